/**
 * A relay stopped by an unexpected error (a store outage while it waited, a bug) says whether a
 * call of it may have reached Fxiaoke, and the sender hears that, not more: "part of it may already
 * be in Fxiaoke" only once a call was made (found by the chaos campaign, `store-outage-queued`:
 * said of relays that never left, and that a takeover then sent).
 */
import { describe, expect, it } from 'vitest';
import { type SendRequest, sendRelay } from '../../src/relay/carry-out.js';
import { relayDeps } from '../../src/relay/deps.js';
import { internalErrorWhileRelayingText } from '../../src/relay/error-text.js';
import { mayHaveReachedFxiaoke, RelayInterruptedError } from '../../src/relay/interrupted.js';
import { RelayNotFoundError } from '../../src/relay/ports/store-errors.js';
import type { SendRateLimiter } from '../../src/relay/send-rate.js';
import { takeOverAbandoned } from '../../src/relay/takeover.js';
import { testRelay } from './relay-deps.js';

const request: SendRequest = {
  requestKey: 'command:T0TEST:trigger.interrupted',
  senderId: 'U0SENDER',
  senderName: 'bob',
  originChannelId: 'C0GENERAL',
  channelName: 'general',
  recipientsInput: ['FSUID_S3'],
  text: 'The quote is ready',
};

/** A per-user send limit kept in a store that is away: taking a slot fails. */
const unreachableLimiter: SendRateLimiter = {
  limit: 5,
  windowMs: 60_000,
  waitFor: async () => 0,
  take: async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
  },
};

describe('a relay stopped by an unexpected error', () => {
  it('before any call: no call was made, and the sender hears nothing of it reached Fxiaoke yet', async () => {
    const relay = testRelay();
    const deps = relayDeps({ ...relay.deps, sendLimiter: unreachableLimiter });
    const thrown = await sendRelay(deps, request).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(RelayInterruptedError);
    expect(mayHaveReachedFxiaoke(thrown)).toBe(false);
    expect(relay.fake.sends).toEqual([]);
    // Still in work under this process's lease: a takeover carries it on.
    const [record] = await relay.store.listByStatus(['received'], 10);
    expect(record?.id).toBe((thrown as RelayInterruptedError).relayId);

    const text = internalErrorWhileRelayingText(record?.id ?? '', mayHaveReachedFxiaoke(thrown));
    expect(text).toContain('nothing of it has reached Fxiaoke yet');
    expect(text).not.toContain('may already be in Fxiaoke');
    expect(text).not.toContain('will not be sent');
  });

  it('before any call: this same process carries it on once its lease lapses, and only one it left behind', async () => {
    const relay = testRelay();
    const deps = relayDeps({ ...relay.deps, sendLimiter: unreachableLimiter });
    const thrown = await sendRelay(deps, request).catch((error: unknown) => error);
    const relayId = (thrown as RelayInterruptedError).relayId;
    const [left] = await relay.store.listByStatus(['received'], 10);
    expect(left?.lease?.owner).toBe(relay.deps.instanceId);
    const until = left?.lease?.until ?? 0;
    const taken: string[] = [];
    const sweep = (options: { inHand?: boolean; leftBehind?: boolean }) =>
      takeOverAbandoned(
        relay.deps,
        {
          legacyStaleMs: 0,
          inHand: () => options.inHand ?? false,
          ...(options.leftBehind === undefined ? {} : { ownLeftBehind: () => options.leftBehind ?? false }),
        },
        (record) => taken.push(record.id),
      );
    // Its lease still runs: never.
    relay.clock.now = until - 1;
    expect(await sweep({ leftBehind: true })).toEqual([]);
    relay.clock.now = until;
    // A record of this process no job of it left behind (an intake the door gave up on) is not its to take.
    expect(await sweep({ leftBehind: false })).toEqual([]);
    expect(await sweep({})).toEqual([]);
    // Nor one a job of this process has in hand again.
    expect(await sweep({ leftBehind: true, inHand: true })).toEqual([]);
    const claimed = await sweep({ leftBehind: true });
    expect(claimed.map((record) => record.id)).toEqual([relayId]);
    expect(taken).toEqual([relayId]);
    expect(claimed[0]?.lease?.until).toBe(relay.clock.now + relay.deps.leaseMs);
  });

  it('after a call: it may have reached Fxiaoke, and the sender hears so', async () => {
    const relay = testRelay();
    const update = relay.store.update.bind(relay.store);
    // The write that records Fxiaoke's answer is refused (the relay vanished from the store).
    relay.store.update = async (id, change, expected) => {
      if (change.batches?.some((batch) => batch.status === 'sent')) throw new RelayNotFoundError(id);
      return update(id, change, expected);
    };
    const thrown = await sendRelay(relay.deps, request).catch((error: unknown) => error);
    expect(relay.fake.sends).toHaveLength(1);
    expect(thrown).toBeInstanceOf(RelayInterruptedError);
    expect(mayHaveReachedFxiaoke(thrown)).toBe(true);
    expect(internalErrorWhileRelayingText('rl_x', mayHaveReachedFxiaoke(thrown))).toContain(
      'Part of it may already be in Fxiaoke',
    );
  });

  it('an error not told apart is taken as one that may follow a call', () => {
    expect(mayHaveReachedFxiaoke(new Error('anything'))).toBe(true);
  });
});
