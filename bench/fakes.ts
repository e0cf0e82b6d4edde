/**
 * The Fxiaoke emulator and the fake Slack Web API, in a child process of their own: in production
 * both are remote, so their CPU must not be billed to the bridge's event loop. The emulator's log
 * is boiled down to what the benchmark needs (arrival and answer time of each send call) and
 * trimmed as it goes, so a long run does not keep every request body in memory.
 *
 * argv[2]: how many employees the emulated directory holds (the fan-out needs 10,000).
 */

import type { RecordedRequest } from '../dev/fakes/fxiaoke-emulator/types.js';
import { FxiaokeEmulator, generateUsers, PATHS } from '../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../dev/fakes/slack-api.js';
import { serve } from './ipc.js';
import {
  BENCH_AUTHOR,
  type FakesInfo,
  type FakesRequest,
  type Harvest,
  type OtherSend,
  ROUTED_CHANNEL,
} from './protocol.js';

const APP_SECRET = 'bench-app-secret-5f1c9e7a';
const PERMANENT_CODE = 'bench-permanent-code-77aa31';
const SERVICE_ID = 'FSAID_svc0001';
const SEND_PATHS: ReadonlySet<string> = new Set([PATHS.send, PATHS.appSend]);
const BENCH_TEXT = /bench-(\d+)-(\d+)/;

const userCount = Number(process.argv[2] ?? '10');
let sends: Harvest['sends'] = [];
let others: OtherSend[] = [];

function errorCodeOf(request: RecordedRequest): number {
  const response = request.response;
  if (typeof response === 'object' && response !== null && 'errorCode' in response) {
    return Number(response.errorCode);
  }
  return -1; // no answer, or not the JSON envelope
}

function recipientCount(request: RecordedRequest): number {
  const body = request.body;
  if (typeof body === 'object' && body !== null && 'toUser' in body && Array.isArray(body.toUser)) {
    return body.toUser.length;
  }
  return 0;
}

const emulator = await FxiaokeEmulator.start({
  appSecret: APP_SECRET,
  permanentCode: PERMANENT_CODE,
  serviceIds: [SERVICE_ID],
  // Revocable relays, as a tenant with a service account that answers message ids.
  messageIdLocation: 'top',
  users: generateUsers(Math.max(10, userCount)),
  onRequest: (request) => {
    if (!SEND_PATHS.has(request.path)) return;
    const answeredAt = Date.now();
    const match = BENCH_TEXT.exec(request.rawBody);
    if (match) {
      sends.push([Number(match[1]), Number(match[2]), request.at, answeredAt, errorCodeOf(request)]);
    } else {
      others.push({
        at: request.at,
        answeredAt,
        recipients: recipientCount(request),
        errorCode: errorCodeOf(request),
      });
    }
    // The emulator logs every request in full; nothing here reads that log again.
    if (emulator.requests.length > 2_000) emulator.requests.splice(0, emulator.requests.length - 100);
  },
});
const slack = await FakeSlackApi.start({ responseUrlMaxUses: Number.POSITIVE_INFINITY });
// The routed channel's author and name, so the bridge's lookups answer (and are cached) as in Slack.
slack.addUser({ id: BENCH_AUTHOR, name: 'bench.author' });
slack.setChannelName(ROUTED_CHANNEL, 'bench-routed');

function harvest(): Harvest {
  const slackCalls: Record<string, number> = {};
  for (const call of slack.calls) slackCalls[call.method] = (slackCalls[call.method] ?? 0) + 1;
  const result: Harvest = {
    sends,
    others,
    tokenFetches: emulator.tokenFetches(),
    slackCalls,
    responseUrlPosts: slack.responses.length,
  };
  sends = [];
  others = [];
  slack.calls.splice(0);
  slack.responses.splice(0);
  // chat.update looks receipts up in this list: keep the recent ones (a fan-out may be under way).
  if (slack.messages.length > 1_000) slack.messages.splice(0, slack.messages.length - 200);
  // Only revokes read the emulator's message list, and the benchmark revokes nothing.
  emulator.messages.splice(0);
  return result;
}

serve<FakesRequest>(async (request) => {
  switch (request.op) {
    case 'latency':
      emulator.clearFaults();
      if (request.ms > 0) {
        for (const path of SEND_PATHS) {
          emulator.addFault({ fault: { type: 'latency', ms: request.ms }, path, times: Infinity });
        }
      }
      return null;
    case 'harvest':
      return harvest();
    case 'exit':
      await Promise.all([emulator.stop(), slack.stop()]);
      setTimeout(() => process.exit(0), 10);
      return null;
  }
});

const info: FakesInfo = {
  emulatorUrl: emulator.url,
  slackApiUrl: slack.url,
  responseUrl: slack.responseUrl('bench'),
  appId: emulator.options.appId,
  appSecret: APP_SECRET,
  permanentCode: PERMANENT_CODE,
  serviceId: SERVICE_ID,
};
process.send?.({ ready: info });
