/**
 * Fault suite: 300 `/fx-send` relays, 12 at a time, while the emulator answers the send path with a
 * seeded random mix of gateway errors (502/503/504, 401, 403, 429), timeouts, connection resets,
 * non-JSON bodies, lost answers (accepted, then reset), 50009 after delivery, 20016, 30004 and
 * 30002. Checked:
 *
 * - every sender gets a definite outcome: a receipt with its traceId, or a private answer with the
 *   reason (a refusal, or "may or may not" when the answer was lost);
 * - nothing Fxiaoke accepted is sent again;
 * - the store matches what the emulator saw, and no relay is left `pending`;
 * - each relay's attempts follow the retry policy the README documents (the model below).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Fault, RecordedRequest } from '../../dev/fakes/fxiaoke-emulator.js';
import type { PostedMessage } from '../../dev/fakes/slack-api.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { Harness } from './harness.js';

const SEND = '/cgi/app/message/send';
const RELAYS = 300;
const CONCURRENCY = 12;
const SEED = 0x5eed_f00d;
/** README "Retry policy": FXIAOKE_MAX_RETRIES, default 3. */
const MAX_RETRIES = 3;
/** Each sender sends at most this many, to stay clear of any per-user send limit. */
const PER_SENDER = 10;

/** mulberry32: a tiny seeded PRNG, so the fault mix is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The fault for each of the first send requests, shuffled. 20016 is kept to a few: each one makes
 * the bridge fetch a token again, and the token endpoint allows about 10 calls a minute. 30004 is
 * kept to a few too: each pauses the endpoint for real (backoff from 1 s) for every caller.
 */
const FAULT_DECK: [Fault | undefined, number][] = [
  [undefined, 190],
  [{ type: 'http', status: 502 }, 16],
  [{ type: 'http', status: 503 }, 16],
  [{ type: 'http', status: 504 }, 14],
  [{ type: 'timeout' }, 14],
  [{ type: 'reset' }, 16],
  [{ type: 'non-json' }, 16],
  [{ type: 'accept-then-reset' }, 16],
  [{ type: 'error', errorCode: 20016 }, 3],
  [{ type: 'http', status: 401 }, 3],
  [{ type: 'error', errorCode: 30004 }, 4],
  [{ type: 'http', status: 429, headers: { 'retry-after': '1' } }, 4],
  [{ type: 'http', status: 403 }, 6],
  [{ type: 'error-after-delivery' }, 10],
  [{ type: 'error', errorCode: 30002 }, 14],
];

function shuffledDeck(random: () => number): (Fault | undefined)[] {
  const deck = FAULT_DECK.flatMap(([fault, count]) => Array.from({ length: count }, () => fault));
  for (let i = deck.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deck[i], deck[j]] = [deck[j], deck[i]];
  }
  return deck;
}

/** What one send attempt met, read back from the emulator's record of it. */
type Met =
  | 'ok'
  | 'http 502'
  | 'http 503'
  | 'http 504'
  | 'http 401'
  | 'http 403'
  | 'http 429'
  | 'timeout'
  | 'reset'
  | 'non-json'
  | 'accept-then-reset'
  | 'error-after-delivery'
  | '20016'
  | '30004'
  | '30002'
  | 'other';

function metBy(request: RecordedRequest): Met {
  switch (request.fault) {
    case undefined:
    case 'latency':
      return (request.response as { errorCode?: number } | undefined)?.errorCode === 0 ? 'ok' : 'other';
    case 'http':
      return [401, 403, 429, 502, 503, 504].includes(request.status ?? 0)
        ? (`http ${request.status}` as Met)
        : 'other';
    case 'error': {
      const code = String((request.response as { errorCode?: number } | undefined)?.errorCode);
      return code === '20016' || code === '30004' || code === '30002' ? code : 'other';
    }
    default:
      return request.fault;
  }
}

/**
 * The README's retry policy for a send, as a model: given what each attempt met, where the relay
 * stops and with which status. Retried: 502/503/429 (never reached Fxiaoke) and 30004 (rate limit), up
 * to MAX_RETRIES; 20016 once after a new token, not counted; never retried: anything after which
 * Fxiaoke may have acted (504, timeout, reset, non-JSON, lost answer) → unknown; 30002 → failed.
 */
function policy(met: readonly Met[]): { stopsAt: number; status: 'sent' | 'failed' | 'unknown' } {
  let retries = 0;
  let refreshed = false;
  for (let index = 0; index < met.length; index++) {
    switch (met[index]) {
      case 'ok':
        return { stopsAt: index, status: 'sent' };
      case 'http 504':
      case 'timeout':
      case 'reset':
      case 'non-json':
      case 'accept-then-reset':
      case 'error-after-delivery':
        return { stopsAt: index, status: 'unknown' };
      case 'http 502':
      case 'http 503':
      case 'http 429':
      case '30004':
        if (retries < MAX_RETRIES) {
          retries++;
          continue;
        }
        return { stopsAt: index, status: 'failed' };
      case '20016':
      case 'http 401':
        if (!refreshed) {
          refreshed = true;
          continue;
        }
        return { stopsAt: index, status: 'failed' };
      default:
        return { stopsAt: index, status: 'failed' };
    }
  }
  return { stopsAt: met.length, status: 'failed' };
}

const tagOf = (index: number) => `fx${String(index).padStart(4, '0')}z`;
const TAG = /fx\d{4}z/;
/** Progress notices to the sender that come before the outcome. */
const INTERIM = /^:hourglass_flowing_sand: Queued/;
const finalBlocks = (message: PostedMessage) =>
  JSON.stringify(message.updates.at(-1)?.blocks ?? message.blocks);

type Outcome = { kind: 'receipt'; message: PostedMessage } | { kind: 'reply'; text: string };

describe('fault suite', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await Harness.start({
      env: {
        FXIAOKE_TIMEOUT_MS: '300',
        // The client's own pacing is not the subject here.
        FXIAOKE_RATE_LIMIT_CALLS: '100000',
        FXIAOKE_RATE_LIMIT_WINDOW_MS: '1000',
        LOG_LEVEL: 'info',
      },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('gives every sender a definite outcome, never sends twice, and keeps the store true to Fxiaoke', async () => {
    const started = performance.now();
    const random = seededRandom(SEED);
    for (const fault of shuffledDeck(random)) {
      harness.emulator.addFault({ path: SEND, fault: fault ?? { type: 'latency', ms: 0 } });
    }
    const recipients = harness.emulator.users.filter((user) => !user.isStop).map((user) => user.openUserId);

    // Receipts found so far, by tag (the receipt quotes the message, tag included).
    const receipts = new Map<string, PostedMessage>();
    let scanned = 0;
    const scanReceipts = () => {
      for (; scanned < harness.slack.messages.length; scanned++) {
        const message = harness.slack.messages[scanned]!;
        const tag = TAG.exec(JSON.stringify(message.blocks ?? ''))?.[0];
        if (tag) receipts.set(tag, message);
      }
    };
    const outcomeOf = (tag: string, responseUrl: string): Promise<Outcome> =>
      vi.waitFor(
        (): Outcome => {
          scanReceipts();
          const receipt = receipts.get(tag);
          if (receipt) return { kind: 'receipt', message: receipt };
          // A "Queued: …" notice (a 30004 paused the endpoint) is news, not the outcome.
          const replies = harness.slack.responsesTo(responseUrl).map((call) => String(call.body.text ?? ''));
          const reply = replies.find((text) => !INTERIM.test(text));
          if (reply !== undefined) return { kind: 'reply', text: reply };
          throw new Error(`no outcome for ${tag}`);
        },
        { timeout: 20_000, interval: 10 },
      );

    const outcomes = new Map<string, Outcome>();
    let next = 0;
    const worker = async () => {
      while (next < RELAYS) {
        const index = next++;
        const tag = tagOf(index);
        const sender = Math.floor(index / PER_SENDER);
        const { response, responseUrl } = await harness.command(
          `${recipients[index % recipients.length]} Quote ${tag} is ready, line ${random().toString(36).slice(2, 8)}`,
          { user_id: `U0FAULT${sender}`, user_name: `fault.sender.${sender}` },
        );
        expect(response.status).toBe(200);
        outcomes.set(tag, await outcomeOf(tag, responseUrl));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // Receipts are keyed and the relays finished just after the receipt is posted: let them settle.
    const records = new Map<string, RelayRecord>();
    await vi
      .waitFor(
        async () => {
          const all = await harness.bridge.store.listRecent(RELAYS * 2);
          records.clear();
          for (const record of all) records.set(TAG.exec(record.text)?.[0] ?? record.id, record);
          if (all.length < RELAYS || all.some((record) => record.status === 'pending'))
            throw new Error('unsettled');
        },
        { timeout: 10_000, interval: 20 },
      )
      // Unsettled after that: the assertions below say what is left.
      .catch(() => undefined);
    const elapsedS = (performance.now() - started) / 1000;
    harness.emulator.clearFaults();

    // ---- the store: one relay per command, none left pending
    expect(records.size).toBe(RELAYS);
    const pending = [...records.values()].filter((record) => record.status === 'pending');
    expect(pending.map((record) => record.id)).toEqual([]);

    // ---- what Fxiaoke saw, per command
    const sends = harness.emulator.requestsTo(SEND);
    const delivered = new Map<string, typeof harness.emulator.messages>();
    for (const message of harness.emulator.messages) {
      const tag = TAG.exec(message.content)?.[0] ?? 'untagged';
      delivered.set(tag, [...(delivered.get(tag) ?? []), message]);
    }
    expect(delivered.has('untagged')).toBe(false);

    const counts = { sent: 0, failed: 0, unknown: 0, retried: 0, unknownDelivered: 0 };
    const failedBy = new Map<string, number>();
    const unknownBy = new Map<string, number>();
    const disagreements: string[] = [];
    for (let index = 0; index < RELAYS; index++) {
      const tag = tagOf(index);
      const record = records.get(tag);
      const outcome = outcomes.get(tag);
      expect(record, tag).toBeDefined();
      expect(outcome, tag).toBeDefined();
      if (!record || !outcome) continue;
      const batch = record.batches[0]!;
      expect(record.batches).toHaveLength(1);
      const messages = delivered.get(tag) ?? [];
      // Never twice: Fxiaoke holds at most one message per command.
      expect(messages.length, tag).toBeLessThanOrEqual(1);
      const attempts = sends.filter((request) => JSON.stringify(request.body).includes(tag));
      const met = attempts.map(metBy);
      if (attempts.length > 1) counts.retried++;

      // The documented policy, attempt by attempt.
      const expected = policy(met);
      if (expected.stopsAt !== attempts.length - 1 || expected.status !== record.status) {
        disagreements.push(
          `${tag}: met [${met.join(', ')}] → ${record.status}; README policy: ${expected.status}`,
        );
      }

      if (record.status === 'sent') {
        counts.sent++;
        // Delivered once, and the store names that very message.
        expect(messages, tag).toHaveLength(1);
        expect(batch.status).toBe('sent');
        expect(batch.traceId).toBe(messages[0]!.traceId);
        expect(batch.messageId).toBe(messages[0]!.messageId);
        // The sender's outcome: the receipt, with that traceId.
        expect(outcome.kind, tag).toBe('receipt');
        if (outcome.kind === 'receipt') expect(finalBlocks(outcome.message)).toContain(batch.traceId!);
      } else if (record.status === 'failed') {
        counts.failed++;
        expect(messages, tag).toHaveLength(0);
        const reason = `${met.at(-1)}`;
        failedBy.set(reason, (failedBy.get(reason) ?? 0) + 1);
        expect(outcome.kind, tag).toBe('reply');
        if (outcome.kind === 'reply') {
          expect(outcome.text).toContain('nothing was delivered');
          expect(outcome.text).toContain(record.id);
          expect(record.error?.message).toBeTruthy();
          expect(outcome.text).toContain(record.error!.message.slice(0, 30));
          if (record.error?.code !== undefined)
            expect(outcome.text).toContain(`errorCode ${record.error.code}`);
          if (record.error?.traceId) expect(outcome.text).toContain(record.error.traceId);
        }
      } else {
        expect(record.status, tag).toBe('unknown');
        counts.unknown++;
        const reason = `${met.at(-1)}`;
        unknownBy.set(reason, (unknownBy.get(reason) ?? 0) + 1);
        expect(batch.status).toBe('unknown');
        // Only a lost answer or a 50009 after delivery leaves a message behind; the store then says
        // "unknown", never "failed".
        if (messages.length === 1) {
          counts.unknownDelivered++;
          expect(['accept-then-reset', 'error-after-delivery'], tag).toContain(met.at(-1));
        }
        expect(outcome.kind, tag).toBe('reply');
        if (outcome.kind === 'reply') {
          expect(outcome.text).toContain('may or may not');
          expect(outcome.text).toContain(record.id);
          // No answer, or an answer that cannot be trusted: the thirdTraceId we sent is the handle.
          expect(outcome.text).toContain(batch.thirdTraceId);
        }
      }
    }

    // Every message Fxiaoke holds belongs to exactly one relay (checked per tag above) and to no stranger.
    const accounted = counts.sent + counts.unknownDelivered;
    expect(harness.emulator.messages).toHaveLength(accounted);
    // Each 20016 or 401 costs one token fetch, no more.
    const injected20016 = sends.filter((request) => ['20016', 'http 401'].includes(metBy(request))).length;
    expect(harness.emulator.tokenFetches()).toBeLessThanOrEqual(1 + injected20016);

    const faultsMet = new Map<string, number>();
    for (const request of sends) {
      const met = metBy(request);
      if (met !== 'ok') faultsMet.set(met, (faultsMet.get(met) ?? 0) + 1);
    }
    const list = (map: Map<string, number>) => [...map].map(([key, value]) => `${key} ${value}`).join(', ');
    console.log(
      `fault suite: ${RELAYS} relays in ${elapsedS.toFixed(1)} s, ${sends.length} send calls, ` +
        `${harness.emulator.tokenFetches()} token fetches — sent ${counts.sent} (${counts.retried} relays needed more than one call), ` +
        `failed ${counts.failed} (${list(failedBy)}), unknown ${counts.unknown} (${list(unknownBy)}; ` +
        `${counts.unknownDelivered} of them did arrive) — Fxiaoke holds ${harness.emulator.messages.length} messages, ` +
        `none twice — faults met: ${list(faultsMet)}`,
    );
    expect(disagreements).toEqual([]);
    expect(counts.sent + counts.failed + counts.unknown).toBe(RELAYS);
  }, 60_000);
});
