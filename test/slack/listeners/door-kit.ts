/**
 * Door unit tests, in the slack-samples/bolt-ts-starter-template style: a listener is called with
 * Bolt-shaped arguments (ack, body, client, respond) and its collaborators are fakes — a scripted
 * relay facade (no store, no Fxiaoke) and a recording Slack Web API client (no network). What the
 * door answers goes through the real presenter (RelayJobs, its work queue and the real renderers),
 * so a test sees what Slack would be sent.
 */
import type { webApi } from '@slack/bolt';
import { DEFAULT_FILE_CONFIG } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import type { RelaySettings } from '../../../src/relay/deps.js';
import type { RelayFacade } from '../../../src/relay/facade.js';
import type { SyncFacade } from '../../../src/relay/sync-facade.js';
import type { RelayRecord } from '../../../src/relay/types.js';
import { RelayWorkQueue } from '../../../src/relay/work-queue.js';
import type { ListenerContext } from '../../../src/slack/context.js';
import type { HomeViewers } from '../../../src/slack/home/viewers.js';
import { InFlightWork } from '../../../src/slack/jobs/in-flight.js';
import type { HandOff } from '../../../src/slack/jobs/port.js';
import { RelayJobs } from '../../../src/slack/jobs/relay-jobs.js';
import { makeBatch, makeRecord } from '../../store/records.js';

export const TEAM = 'T0TEST';
export const SENDER = 'U0SENDER';
export const CHANNEL = 'C0ORIGIN';

export const SETTINGS: RelaySettings = {
  aliases: { sales: ['FSUID_S1', 'FSUID_S2'] },
  slackUsers: {},
  admins: ['U0ADMIN'],
  messageTemplate: '{text}',
  maxMessageLength: 100,
  maxRecipients: 50,
  sync: DEFAULT_FILE_CONFIG.sync,
};

/** One call the door (or the presenter) made on the facade; the sync part's as `sync.<method>`. */
export interface FacadeCall {
  method: keyof RelayFacade | `sync.${keyof SyncFacade}`;
  args: unknown[];
}

/** The answers a test scripts: any facade method, and any method of its `sync` part. */
export type FacadeScript = Partial<Omit<RelayFacade, 'sync'>> & { sync?: Partial<SyncFacade> };

/**
 * A relay facade whose every answer a test scripts. An unscripted method fails the test loudly:
 * a door that calls something unexpected is caught rather than handed a made-up answer.
 */
export function fakeFacade(
  script: FacadeScript = {},
  timeline: string[] = [],
): RelayFacade & { calls: FacadeCall[] } {
  const calls: FacadeCall[] = [];
  const unscripted = (method: string) => () => Promise.reject(new Error(`facade.${method} was not scripted`));
  const recording = (name: FacadeCall['method'], method: (...args: unknown[]) => unknown) => {
    return (...args: unknown[]) => {
      calls.push({ method: name, args });
      timeline.push(`relay.${name}`);
      return method(...args);
    };
  };
  const sync = new Proxy({} as SyncFacade, {
    get(_target, property) {
      if (property === 'then') return undefined;
      const name = String(property) as keyof SyncFacade;
      const method =
        (script.sync?.[name] as ((...args: unknown[]) => unknown) | undefined) ?? unscripted(`sync.${name}`);
      return recording(`sync.${name}`, method);
    },
  });
  const defaults: Partial<Omit<RelayFacade, 'sync'>> = {
    // Work after the ack runs under a lease the fake always grants.
    underLease: async (_record, work) => {
      await work();
      return true;
    },
    keepLease: (_relayId, work) => work(),
    settleOwed: async () => undefined,
    listFor: async () => ({ admin: false, records: [] }),
    relaysOfMessage: async () => [],
    admitSend: async () => undefined,
  };
  const methods = { ...defaults, ...script };
  const facade = new Proxy({} as RelayFacade & { calls: FacadeCall[] }, {
    get(_target, property) {
      if (property === 'calls') return calls;
      if (property === 'settings') return script.settings ?? SETTINGS;
      if (property === 'people') return script.people;
      if (property === 'sync') return sync;
      if (property === 'then') return undefined;
      const name = String(property) as Exclude<keyof RelayFacade, 'sync'>;
      const method = (methods[name] as ((...args: unknown[]) => unknown) | undefined) ?? unscripted(name);
      return recording(name, method);
    },
  });
  return facade;
}

/** One Web API call the door or the presenter made. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
}

/**
 * A Web API client that records every call and answers like Slack does. `failing` names methods
 * that reject, as a platform error would.
 */
export function fakeClient(
  options: { failing?: string[] } = {},
  timeline: string[] = [],
): webApi.WebClient & { calls: SlackCall[] } {
  const calls: SlackCall[] = [];
  let ts = 0;
  const call =
    (method: string, answer: (args: Record<string, unknown>) => object = () => ({})) =>
    async (args: Record<string, unknown>) => {
      calls.push({ method, args });
      timeline.push(`slack.${method}`);
      if (options.failing?.includes(method)) {
        throw Object.assign(new Error(`An API error occurred: ${method} failed`), {
          code: 'slack_webapi_platform_error',
          data: { ok: false, error: 'channel_not_found' },
        });
      }
      return { ok: true, ...answer(args) };
    };
  const client = {
    calls,
    chat: {
      postMessage: call('chat.postMessage', (args) => ({ channel: args.channel, ts: `1700000999.${++ts}` })),
      postEphemeral: call('chat.postEphemeral'),
      update: call('chat.update'),
    },
    views: {
      open: call('views.open', () => ({ view: { id: 'V0OPENED', hash: 'h1' } })),
      update: call('views.update'),
      publish: call('views.publish'),
    },
  };
  // Only the methods fx-bridge's doors and presenter use exist; a call to any other throws.
  return client as unknown as webApi.WebClient & { calls: SlackCall[] };
}

/** Every text a call carried: its `text` and the text of its blocks. */
export function textsOf(call: SlackCall | undefined): string {
  if (!call) return '';
  const view = call.args.view as { blocks?: unknown[] } | undefined;
  const blocks = (call.args.blocks as unknown[] | undefined) ?? view?.blocks ?? [];
  return [String(call.args.text ?? ''), JSON.stringify(blocks)].join('\n');
}

export interface Door {
  ctx: ListenerContext;
  relay: RelayFacade & { calls: FacadeCall[] };
  client: webApi.WebClient & { calls: SlackCall[] };
  /** Waits for everything the presenter was handed: queued relays and answers under way. */
  settled(): Promise<void>;
  /** The Web API calls of one method, in order. */
  callsTo(method: string): SlackCall[];
  /** Facade calls (`relay.…`), Web API calls (`slack.…`) and acks (`ack`), in the order they happened. */
  timeline: string[];
}

export function door(
  script: FacadeScript = {},
  options: {
    failing?: string[];
    homeViewers?: HomeViewers;
    /** RELAY_WORKERS fork|none: accepted sends go here instead of the queue. */
    handOff?: HandOff;
  } = {},
): Door {
  const timeline: string[] = [];
  const relay = fakeFacade(script, timeline);
  const client = fakeClient(options.failing ? { failing: options.failing } : {}, timeline);
  // Quiet unless a test looks: warnings of the code under test would only clutter the output.
  const { logger } = createLogger({ level: 'silent' });
  const queue = new RelayWorkQueue({ concurrency: 2 });
  const partial: Omit<ListenerContext, 'jobs'> = {
    relay,
    logger,
    work: new InFlightWork(),
    ...(options.homeViewers ? { homeViewers: options.homeViewers } : {}),
  };
  const ctx: ListenerContext = {
    ...partial,
    get jobs() {
      return jobs;
    },
  };
  const jobs = new RelayJobs(ctx, client, queue, {}, options.handOff);
  return {
    ctx,
    relay,
    client,
    settled: () => jobs.idle(),
    callsTo: (method) => client.calls.filter((each) => each.method === method),
    timeline,
  };
}

/**
 * A recording `ack` or `respond`: what the door gave Slack, in order. With a door, an ack also
 * goes on its timeline (so a test can show the request was recorded before it was acked).
 */
export function recorder(
  on?: Pick<Door, 'timeline'>,
  label = 'ack',
): ((payload?: unknown) => Promise<void>) & { payloads: unknown[] } {
  const payloads: unknown[] = [];
  const fn = async (payload?: unknown) => {
    payloads.push(payload);
    on?.timeline.push(label);
  };
  return Object.assign(fn, { payloads });
}

/** The `text` of each payload a recorder got. */
export function textsGiven(fn: { payloads: unknown[] }): string[] {
  return fn.payloads.map((payload) => String((payload as { text?: unknown } | undefined)?.text ?? ''));
}

/** A relay Fxiaoke accepted: one sent batch with a traceId and a message id, keyed by a receipt. */
export function sentRecord(overrides: Partial<RelayRecord> = {}): RelayRecord {
  return makeRecord({
    senderId: SENDER,
    originChannelId: CHANNEL,
    status: 'sent',
    batches: [makeBatch(0, { status: 'sent', traceId: 'E-TRACE-1', messageId: 'msg-1' })],
    intake: { door: 'command', teamId: TEAM, senderName: 'sender', receivedAt: 1_700_000_000_000 },
    ...overrides,
  });
}

/** A request as the intake records it (status `received`). */
export function receivedRecord(overrides: Partial<RelayRecord> = {}): RelayRecord {
  return makeRecord({
    senderId: SENDER,
    originChannelId: CHANNEL,
    status: 'received',
    slack: undefined,
    recipients: [],
    intake: { door: 'command', teamId: TEAM, senderName: 'sender', receivedAt: 1_700_000_000_000 },
    ...overrides,
  });
}
