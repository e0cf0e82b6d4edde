/**
 * What the tests of several bridge processes on one shared store need, whatever the store: a
 * replica behind the imaginary load balancer, and polling helpers over the fake Slack, the Fxiaoke
 * emulator, the store and each replica's /metrics. (replicas.test.ts, on Redis, still has its own
 * copies of these; replicas-postgres.test.ts uses this file.)
 */
import type { EmulatedMessage, FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import type { FakeSlackApi, PostedMessage } from '../../dev/fakes/slack-api.js';
import {
  BOT_ID,
  messageShortcutPayload,
  sendInteraction,
  TEAM_ID,
  TEST_SIGNING_SECRET,
} from '../../dev/fakes/slack-requests.js';
import type { RelayRecord } from '../../src/relay/types.js';
import type { RelayStore } from '../../src/store/interface.js';
import type { BridgeProcess } from './process-helpers.js';

export const SEND = '/cgi/app/message/send';
export const REVOKE = '/cgi/app/message/revoke';

/** One bridge process behind the imaginary load balancer. */
export interface Replica {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly baseUrl: string;
  readonly eventsUrl: string;
  process: BridgeProcess;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls an async condition every 10 ms. */
export async function eventually(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms: ${condition.toString()}`);
    await sleep(10);
  }
}

/** The relay a receipt belongs to, once it is finished (the receipt is posted before that). */
export async function settledRelay(store: RelayStore, receipt: PostedMessage): Promise<RelayRecord> {
  let found: RelayRecord | undefined;
  await eventually(async () => {
    found = await store.findBySlackMessage({ teamId: TEAM_ID, channelId: receipt.channel, ts: receipt.ts });
    return found !== undefined && found.status !== 'pending';
  });
  return found!;
}

/** Revoke from Fxiaoke (the message shortcut) on a receipt, through one replica; the response_url. */
export async function revokeByShortcut(
  replica: Pick<Replica, 'eventsUrl'>,
  slack: FakeSlackApi,
  receipt: PostedMessage,
): Promise<string> {
  const responseUrl = slack.responseUrl();
  const response = await sendInteraction(
    replica.eventsUrl,
    TEST_SIGNING_SECRET,
    messageShortcutPayload({
      callbackId: 'fx_revoke_message',
      channelId: receipt.channel,
      message: { ts: receipt.ts, text: 'receipt', bot_id: BOT_ID },
      responseUrl,
    }),
  );
  if (response.status !== 200) throw new Error(`the shortcut was answered ${response.status}`);
  return responseUrl;
}

/** The texts posted to a response_url, once there is one. */
export async function answers(slack: FakeSlackApi, responseUrl: string): Promise<string[]> {
  await slack.waitFor(() => slack.responsesTo(responseUrl).length > 0);
  return slack.responsesTo(responseUrl).map((call) => String(call.body.text ?? ''));
}

/** The sum of a metric's samples whose labels contain `labels`. */
export async function metric(replica: Replica, name: string, labels = ''): Promise<number> {
  const samples = (await (await fetch(`${replica.baseUrl}/metrics`)).text())
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => line.includes(labels));
  return samples.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

export function fxiaokeCalls(replica: Replica, path: string): Promise<number> {
  return metric(replica, 'fxbridge_fxiaoke_calls_total', `path="${path}"`);
}

/** No work under way in the replica (relays, revokes, notices): the queue depth is 0. */
export async function waitIdle(replica: Replica): Promise<void> {
  await eventually(async () => (await metric(replica, 'fxbridge_queue_depth')) === 0);
}

/** Every send that reached the emulator has been answered (or dropped with its dead client). */
export async function settledAtEmulator(slack: FakeSlackApi, emulator: FxiaokeEmulator): Promise<void> {
  await slack.waitFor(() => emulator.requestsTo(SEND).every((request) => request.status !== undefined));
}

export function messageFor(emulator: FxiaokeEmulator, thirdTraceId: string): EmulatedMessage | undefined {
  return emulator.messages.find((message) => message.thirdTraceId === thirdTraceId);
}
