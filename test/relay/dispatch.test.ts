/**
 * Queued is not dispatched (issue 17): a call is marked dispatched only when the Fxiaoke client is
 * about to send it, after the rate budget let it go. A crash while calls wait for the budget leaves
 * them unsent on record, so the takeover sends them, once; the process that lost the relay sends
 * nothing when its turn comes.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openRedisStore, type RedisRelayStore } from '../../src/redis/relay-store.js';
import type { SendRequest } from '../../src/relay/carry-out.js';
import { sendRelay } from '../../src/relay/carry-out.js';
import { type RelayDeps, relayDeps } from '../../src/relay/deps.js';
import { TakenOverError } from '../../src/relay/dispatch.js';
import { resumePending, takeOverAbandoned } from '../../src/relay/takeover.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { connect, deleteKeysUnder, prefixes, REDIS_URL, redisAvailable } from '../redis-helpers.js';
import { CAT, fileRequest, standardFiles } from './fake-files.js';
import { deferred, FakeFxiaoke } from './fake-fxiaoke.js';
import {
  defaultTimings,
  RecordingLog,
  START,
  type TestRelay,
  testRelay,
  testSettings,
} from './relay-deps.js';

function request(overrides: Partial<SendRequest> = {}): SendRequest {
  return {
    requestKey: 'command:T0TEST:trigger.queued',
    senderId: 'U0SENDER',
    senderName: 'bob',
    originChannelId: 'C0GENERAL',
    channelName: 'general',
    recipientsInput: ['FSUID_S3'],
    text: 'The quote is ready',
    ...overrides,
  };
}

/** The next process on the same store (SQLite and memory: a store of one process at a time). */
function nextProcess(relay: TestRelay, fake: FakeFxiaoke): RelayDeps {
  return relayDeps({ ...relay.deps, instanceId: 'fxb_next', fxiaoke: fake });
}

async function takeOver(deps: RelayDeps): Promise<RelayRecord> {
  const handed: RelayRecord[] = [];
  await takeOverAbandoned(deps, { legacyStaleMs: 0 }, (record) => handed.push(record));
  expect(handed).toHaveLength(1);
  return handed[0] as RelayRecord;
}

describe('a call waiting for the rate budget', () => {
  it.each(['text', 'card'] as const)(
    'is not dispatched: after a crash the next process sends the %s once, and the first sends nothing',
    async (format) => {
      const relay = testRelay();
      const budget = deferred();
      relay.fake.budget = budget.promise;
      const first = sendRelay(relay.deps, request({ format })).catch((error: unknown) => error);
      await vi.waitFor(() => expect(relay.fake.waiting).toBe(1));
      const [queued] = await relay.store.listByStatus(['pending'], 10);
      expect(queued?.batches.map((batch) => batch.dispatchedAt)).toEqual([undefined]);

      // fx-bridge died while the call waited; the next process takes the relay over.
      const fake = new FakeFxiaoke();
      const next = nextProcess(relay, fake);
      const resumed = await resumePending(next, await takeOver(next), {});
      expect(resumed).toMatchObject({ interrupted: 0, resumed: 1 });
      expect(resumed.record.status).toBe('sent');
      expect(resumed.record.batches[0]).toMatchObject({ status: 'sent', messageId: 'msg-1' });
      expect(fake.sends).toHaveLength(1);
      expect(Boolean(fake.sends[0]?.card)).toBe(format === 'card');

      // The old process's turn comes (a paused process, a lease that ran out): the relay is not
      // its own any more, so its call does not go out and it records nothing.
      budget.resolve();
      expect(await first).toBeInstanceOf(TakenOverError);
      expect(relay.fake.sends).toEqual([]);
      expect(await relay.store.findById(resumed.record.id)).toEqual(resumed.record);
    },
  );

  it('is marked dispatched once it leaves, so a crash during the request is "may have been delivered"', async () => {
    const relay = testRelay();
    const answer = deferred();
    relay.fake.scriptSend(() => answer.promise.then(() => ({})));
    void sendRelay(relay.deps, request());
    await vi.waitFor(() => expect(relay.fake.sends).toHaveLength(1));
    const [out] = await relay.store.listByStatus(['pending'], 10);
    expect(out?.batches[0]?.dispatchedAt).toBe(relay.clock.now);

    const fake = new FakeFxiaoke();
    const next = nextProcess(relay, fake);
    const resumed = await resumePending(next, await takeOver(next), {});
    expect(resumed).toMatchObject({ interrupted: 1, resumed: 0 });
    expect(resumed.record.status).toBe('unknown');
    expect(fake.sends).toEqual([]);
  });

  it('an image message waiting after its text went out is sent by the next process, the text is not', async () => {
    const relay = testRelay();
    relay.deps.files = standardFiles();
    const budget = deferred();
    // The text goes straight out; the image message after it waits for the budget.
    relay.fake.scriptSend(() => {
      relay.fake.budget = budget.promise;
      return {};
    });
    const first = sendRelay(relay.deps, fileRequest({ attachments: [CAT] })).catch((error: unknown) => error);
    await vi.waitFor(() => expect(relay.fake.waiting).toBe(1));
    const [queued] = await relay.store.listByStatus(['pending'], 10);
    expect(queued?.batches[0]).toMatchObject({ status: 'sent', messageId: 'msg-1' });
    expect(queued?.batches[0]?.extraMessages?.[0]).toMatchObject({ status: 'pending' });
    expect(queued?.batches[0]?.extraMessages?.[0]?.dispatchedAt).toBeUndefined();

    const fake = new FakeFxiaoke();
    const next = nextProcess(relay, fake);
    const resumed = await resumePending(next, await takeOver(next), {});
    expect(resumed).toMatchObject({ interrupted: 0, resumed: 1 });
    expect(fake.sends).toEqual([]);
    expect(fake.articleSends.map((call) => call.articles.map((article) => article.coverImage))).toEqual([
      ['media-1'],
    ]);
    expect(resumed.record.status).toBe('sent');
    expect(resumed.record.batches[0]?.extraMessages?.[0]).toMatchObject({
      status: 'sent',
      messageId: 'art-1',
    });

    budget.resolve();
    expect(await first).toBeInstanceOf(TakenOverError);
    expect(relay.fake.articleSends).toEqual([]);
  });

  it('an image message that had left when the process died is "may have been delivered"', async () => {
    const relay = testRelay();
    relay.deps.files = standardFiles();
    relay.fake.scriptArticles(() => new Promise<never>(() => undefined));
    void sendRelay(relay.deps, fileRequest({ attachments: [CAT] }));
    await vi.waitFor(() => expect(relay.fake.articleSends).toHaveLength(1));

    const fake = new FakeFxiaoke();
    const next = nextProcess(relay, fake);
    const resumed = await resumePending(next, await takeOver(next), {});
    expect(resumed).toMatchObject({ interrupted: 1, resumed: 0 });
    expect(resumed.record.batches[0]?.status).toBe('sent');
    expect(resumed.record.batches[0]?.extraMessages?.[0]?.status).toBe('unknown');
    expect(fake.sends).toEqual([]);
    expect(fake.articleSends).toEqual([]);
  });

  it('image messages after a text that was out when the process died are not sent: the text may not have arrived', async () => {
    const relay = testRelay();
    relay.deps.files = standardFiles();
    relay.fake.scriptSend(() => new Promise<never>(() => undefined));
    void sendRelay(relay.deps, fileRequest({ attachments: [CAT] }));
    await vi.waitFor(() => expect(relay.fake.sends).toHaveLength(1));

    const fake = new FakeFxiaoke();
    const next = nextProcess(relay, fake);
    const resumed = await resumePending(next, await takeOver(next), {});
    expect(resumed).toMatchObject({ interrupted: 1, resumed: 0 });
    expect(resumed.record.status).toBe('unknown');
    expect(resumed.record.batches[0]?.extraMessages?.[0]).toMatchObject({
      status: 'failed',
      error: {
        kind: 'not_attempted',
        message:
          'Not sent: Fxiaoke never confirmed the text to these recipients, so the images were not sent either.',
      },
    });
    expect(fake.sends).toEqual([]);
    expect(fake.articleSends).toEqual([]);
  });

  it('a dispatch mark the store will not take stops the call: nothing goes out, nothing is recorded as its outcome', async () => {
    const relay = testRelay();
    const budget = deferred();
    relay.fake.budget = budget.promise;
    const first = sendRelay(relay.deps, request()).catch((error: unknown) => error);
    await vi.waitFor(() => expect(relay.fake.waiting).toBe(1));
    const [queued] = await relay.store.listByStatus(['pending'], 10);
    // Someone else's lease now (a replica took it over after this one's ran out).
    await relay.store.update(queued!.id, { lease: { owner: 'fxb_other', until: relay.clock.now + 30_000 } });
    budget.resolve();
    expect(await first).toBeInstanceOf(TakenOverError);
    expect(relay.fake.sends).toEqual([]);
    const after = await relay.store.findById(queued!.id);
    expect(after?.status).toBe('pending');
    expect(after?.batches[0]).toMatchObject({ status: 'pending' });
    expect(after?.batches[0]?.dispatchedAt).toBeUndefined();
  });
});

const redis = await redisAvailable('dispatch marks on a shared Redis store');
const keys = prefixes('dispatch');

describe.skipIf(!redis)('a call waiting for the rate budget, on Redis shared by two replicas', () => {
  const opened: RedisRelayStore[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
    const cleaner = connect();
    await deleteKeysUnder(cleaner, keys.run);
    cleaner.disconnect();
  });

  it('is sent once by the replica that takes the relay over after the lease ran out; the other sends nothing', async () => {
    const clock = { now: START };
    const keyPrefix = keys.fresh();
    const replica = async (instanceId: string, fake: FakeFxiaoke): Promise<RelayDeps> => {
      const store = await openRedisStore({ url: REDIS_URL, keyPrefix, now: () => clock.now });
      opened.push(store);
      let traces = 0;
      return relayDeps({
        ...defaultTimings(),
        store,
        fxiaoke: fake,
        settings: testSettings(),
        log: new RecordingLog(),
        now: () => clock.now,
        newThirdTraceId: () => `${instanceId}-third-${++traces}`,
        instanceId,
        exclusiveStore: false,
      });
    };
    const fakeA = new FakeFxiaoke();
    const fakeB = new FakeFxiaoke();
    const a = await replica('fxb_a', fakeA);
    const b = await replica('fxb_b', fakeB);
    const budget = deferred();
    fakeA.budget = budget.promise;
    const first = sendRelay(a, request()).catch((error: unknown) => error);
    await vi.waitFor(() => expect(fakeA.waiting).toBe(1));
    const [queued] = await b.store.listByStatus(['pending'], 10);
    expect(queued?.batches[0]?.dispatchedAt).toBeUndefined();

    // A's lease is live: B leaves the relay alone. Once it ran out (A stalled), B takes it over.
    const handed: RelayRecord[] = [];
    await takeOverAbandoned(b, { legacyStaleMs: 0 }, (record) => handed.push(record));
    expect(handed).toEqual([]);
    clock.now += a.leaseMs + 1;
    const resumed = await resumePending(b, await takeOver(b), {});
    expect(resumed).toMatchObject({ interrupted: 0, resumed: 1, record: { status: 'sent' } });
    expect(fakeB.sends).toHaveLength(1);

    budget.resolve();
    expect(await first).toBeInstanceOf(TakenOverError);
    expect(fakeA.sends).toEqual([]);
    expect(await a.store.findById(resumed.record.id)).toEqual(resumed.record);
  });
});
