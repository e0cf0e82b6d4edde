/**
 * Install mode's routing (src/slack/installs/routing.ts) through a real Bolt App: a connected
 * workspace's requests reach its own app with their own ack untouched; an event of the install
 * app itself, or of a workspace not connected, is acked once by the install app.
 */
import { App, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { describe, expect, it, vi } from 'vitest';
import { installationKey } from '../../src/installs/port.js';
import {
  isInstallAppsOwn,
  type RoutedTenant,
  RoutingReceiver,
  routeToTenants,
} from '../../src/slack/installs/routing.js';

class StubReceiver implements Receiver {
  app: App | undefined;
  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

function eventBody(teamId: string, type: string) {
  return {
    type: 'event_callback',
    team_id: teamId,
    api_app_id: 'A0TEST',
    event_id: `Ev${Math.random()}`,
    event: { type, user: 'U0USER', channel: 'D0HOME', tab: 'home', event_ts: '1.2' },
    authorizations: [{ team_id: teamId, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
  };
}

function harness(connected: Record<string, RoutedTenant | Error>) {
  const stub = new StubReceiver();
  const log = { error: vi.fn() };
  const app = new App({
    receiver: new RoutingReceiver(stub),
    authorize: async (source) => ({ botToken: `xoxb-${source.teamId}`, botId: 'B0BOT', botUserId: 'U0BOT' }),
  });
  app.use(
    routeToTenants(
      async (key) => {
        const tenant = connected[key];
        if (tenant instanceof Error) throw tenant;
        return tenant;
      },
      (context) => installationKey(context),
      log,
    ),
  );
  const ownListener = vi.fn();
  app.event('app_home_opened', async () => ownListener());
  app.event('app_uninstalled', async () => ownListener());
  const deliver = async (body: Record<string, unknown>) => {
    const ack = vi.fn(async () => {});
    const event: ReceiverEvent = { body, ack };
    await stub.app?.processEvent(event);
    return { ack, event };
  };
  return { deliver, ownListener, log };
}

function tenant() {
  const delivered: { event: ReceiverEvent; ackedBefore: number; token: unknown }[] = [];
  const routed: RoutedTenant = {
    noteToken: vi.fn(),
    receiver: {
      deliver: async (event, authorization) => {
        const ack = event.ack as ReturnType<typeof vi.fn>;
        delivered.push({ event, ackedBefore: ack.mock.calls.length, token: authorization.botToken });
        await event.ack();
      },
    },
  };
  return { routed, delivered };
}

describe('install mode routing', () => {
  it('tells its own requests from a workspace’s', () => {
    expect(isInstallAppsOwn({ type: 'block_actions', actions: [{ action_id: 'fx_connect' }] })).toBe(true);
    expect(isInstallAppsOwn({ type: 'block_actions', actions: [{ action_id: 'fx_revoke' }] })).toBe(false);
    expect(isInstallAppsOwn({ type: 'view_submission', view: { callback_id: 'fx_connect_modal' } })).toBe(
      true,
    );
    expect(isInstallAppsOwn({ type: 'view_submission', view: { callback_id: 'fx_compose' } })).toBe(false);
    expect(isInstallAppsOwn({ type: 'event_callback', event: { type: 'tokens_revoked' } })).toBe(true);
    expect(isInstallAppsOwn({ type: 'event_callback', event: { type: 'message' } })).toBe(false);
  });

  it('hands a connected workspace’s event on unacked, with its authorization; the install app acks nothing', async () => {
    const one = tenant();
    const { deliver, ownListener } = harness({ 'T:T0ONE': one.routed });
    const { ack, event } = await deliver(eventBody('T0ONE', 'app_home_opened'));
    expect(one.delivered).toHaveLength(1);
    expect(one.delivered[0]?.event).toBe(event);
    // Bolt acks events before middleware: that ack was held back, so the workspace's app acks it.
    expect(one.delivered[0]?.ackedBefore).toBe(0);
    expect(one.delivered[0]?.token).toBe('xoxb-T0ONE');
    expect(ack).toHaveBeenCalledTimes(1);
    expect(ownListener).not.toHaveBeenCalled();
  });

  it('acks once and serves itself: its own events, a workspace not connected', async () => {
    const one = tenant();
    const { deliver, ownListener } = harness({ 'T:T0ONE': one.routed });
    for (const body of [eventBody('T0ONE', 'app_uninstalled'), eventBody('T0OTHER', 'app_home_opened')]) {
      const { ack } = await deliver(body);
      expect(ack).toHaveBeenCalledTimes(1);
    }
    expect(one.delivered).toHaveLength(0);
    expect(ownListener).toHaveBeenCalledTimes(2);
  });

  it('does not ack an event of a connected workspace whose bridge cannot be set up (Slack sends it again)', async () => {
    const { deliver, ownListener, log } = harness({ 'T:T0BROKEN': new Error('unreadable') });
    const { ack } = await deliver(eventBody('T0BROKEN', 'app_home_opened'));
    expect(ack).not.toHaveBeenCalled();
    expect(ownListener).not.toHaveBeenCalled();
    expect(log.error).toHaveBeenCalledTimes(1);
  });
});
