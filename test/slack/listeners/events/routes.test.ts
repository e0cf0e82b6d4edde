import { describe, expect, it, vi } from 'vitest';
import type { RoutedMessage, RoutedReaction } from '../../../../src/relay/route.js';
import { registerRoutes } from '../../../../src/slack/listeners/events/routes.js';
import { boltApp } from '../bolt-app.js';
import { type Door, door, receivedRecord, SETTINGS, TEAM } from '../door-kit.js';

const ROUTED = 'C0ROUTED';
const TS = '1700000300.000100';
const SETTINGS_WITH_ROUTES = {
  ...SETTINGS,
  routes: {
    [ROUTED]: { to: ['sales'], forward: 'all' as const, reaction: 'outbox_tray' },
    C0REACT: { to: ['sales'], forward: 'reaction' as const, reaction: 'outbox_tray' },
  },
};

function posted(channel = ROUTED, extra: Record<string, unknown> = {}) {
  return {
    type: 'event_callback',
    team_id: TEAM,
    event_id: 'Ev0POST',
    authorizations: [{ team_id: TEAM, user_id: 'U0BOT', is_bot: true }],
    event: { type: 'message', channel, user: 'U0AUTHOR', text: 'Deal <@U0BOB> closed', ts: TS, ...extra },
  };
}

function reacted(user = 'U0REACTOR') {
  return {
    type: 'event_callback',
    team_id: TEAM,
    event_id: 'Ev0REACT',
    authorizations: [{ team_id: TEAM, user_id: 'U0BOT', is_bot: true }],
    event: {
      type: 'reaction_added',
      user,
      reaction: 'outbox_tray::skin-tone-2',
      item_user: 'U0AUTHOR',
      item: { type: 'message', channel: 'C0REACT', ts: TS },
    },
  };
}

function registered(d: Door) {
  const bolt = boltApp(d);
  registerRoutes(bolt.app, d.ctx, bolt.seam);
  const routed = vi.spyOn(d.ctx.jobs, 'routed').mockImplementation(() => undefined);
  return { ...bolt, routed };
}

describe('channel routes (record before ack)', () => {
  it('records a routed message before the ack, then hands what it recorded to the jobs', async () => {
    const record = receivedRecord({ originChannelId: ROUTED });
    const d: Door = door({
      settings: SETTINGS_WITH_ROUTES,
      receiveRoutedMessage: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        d.timeline.push('recorded');
        return { type: 'accepted', record };
      },
    });
    const { deliver, routed } = registered(d);
    expect(await deliver(posted())).toMatchObject({ acked: true });
    expect(d.timeline.slice(0, 3)).toEqual(['relay.receiveRoutedMessage', 'recorded', 'ack']);
    const [message] = (d.relay.calls[0]?.args ?? []) as [RoutedMessage?];
    expect(message).toEqual({
      ref: { teamId: TEAM, channelId: ROUTED, ts: TS },
      authorId: 'U0AUTHOR',
      text: 'Deal @U0BOB closed',
      attachments: [],
      unnamed: ['U0BOB'],
    });
    expect(routed.mock.calls).toEqual([
      [
        { type: 'accepted', record },
        { channelId: ROUTED, userId: 'U0AUTHOR' },
      ],
    ]);
  });

  it('withholds the ack and hands nothing over when the store fails, so Slack delivers it again', async () => {
    const failure = new Error('store down');
    const d = door({
      settings: SETTINGS_WITH_ROUTES,
      receiveRoutedMessage: async () => {
        throw failure;
      },
    });
    const { deliver, routed } = registered(d);
    const delivered = await deliver(posted(), 1);
    expect(delivered).toMatchObject({ acked: false, error: failure, listenedTo: [] });
    expect(routed).not.toHaveBeenCalled();
  });

  it('asks the store nothing for unrouted channels, bot posts, other subtypes and thread replies', async () => {
    const d = door({ settings: SETTINGS_WITH_ROUTES });
    const { deliver, routed } = registered(d);
    const quiet = [
      posted('C0ELSEWHERE'),
      posted(ROUTED, { user: 'U0BOT', bot_id: 'B0BOT' }),
      posted(ROUTED, { subtype: 'channel_join' }),
      posted(ROUTED, { thread_ts: '1700000200.000100' }),
    ];
    for (const body of quiet) expect(await deliver(body)).toMatchObject({ acked: true });
    expect(d.relay.calls).toEqual([]);
    expect(routed).not.toHaveBeenCalled();
  });

  it('records a reaction with the route’s emoji (skin tone aside), and none of the bot’s own', async () => {
    const d = door({
      settings: SETTINGS_WITH_ROUTES,
      receiveRoutedReaction: async () => ({ type: 'ignored', reason: 'test' }),
    });
    const { deliver, routed } = registered(d);
    expect(await deliver(reacted())).toMatchObject({ acked: true });
    expect(d.relay.calls[0]?.args).toEqual([
      {
        ref: { teamId: TEAM, channelId: 'C0REACT', ts: TS },
        reactorId: 'U0REACTOR',
        authorId: 'U0AUTHOR',
        reaction: 'outbox_tray',
      } satisfies RoutedReaction,
    ]);
    expect(routed).toHaveBeenCalledTimes(1);
    await deliver(reacted('U0BOT'));
    expect(d.relay.calls).toHaveLength(1);
  });

  it('registers nothing without routes', async () => {
    const d = door();
    const { deliver } = registered(d);
    expect(await deliver(posted())).toMatchObject({ acked: true });
    expect(d.relay.calls).toEqual([]);
  });
});
