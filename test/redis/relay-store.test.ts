import { randomUUID } from 'node:crypto';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openRedisStore, RedisRelayStore } from '../../src/redis/relay-store.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { StoreConflictError, StoreError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/index.js';
import { deleteKeysUnder, keysUnder as keysUnderOf, REDIS_URL, redisAvailable } from '../redis-helpers.js';
import { describeRelayStoreContract, rejectionOf } from '../store/contract.js';
import { describeInstallationContract } from '../store/installation-contract.js';
import { BASE_TIME, makeRecord, makeSlackRef } from '../store/records.js';

// A skipped suite must be seen: a green run without Redis has not tested the Redis store.
const available = await redisAvailable('Redis store');

describe.skipIf(!available)('RedisRelayStore (real Redis)', () => {
  let admin: Redis;
  // Every prefix of this file's run starts with runPrefix, so one SCAN finds all our keys.
  const runPrefix = `fxb-test:${randomUUID().slice(0, 8)}:`;
  let prefixes = 0;
  let lastPrefix = '';

  const freshPrefix = (): string => {
    prefixes += 1;
    lastPrefix = `${runPrefix}${prefixes}:`;
    return lastPrefix;
  };
  const open = (keyPrefix = lastPrefix, now?: () => number) =>
    openRedisStore({ url: REDIS_URL, keyPrefix, ...(now ? { now } : {}) });

  const keysUnder = (prefix: string) => keysUnderOf(admin, prefix);

  beforeAll(async () => {
    admin = new Redis(REDIS_URL);
  });
  const deleteOurKeys = () => deleteKeysUnder(admin, runPrefix);
  afterEach(deleteOurKeys);
  afterAll(async () => {
    await deleteOurKeys(); // Again: the two-connection stores outlive their tests' afterEach.
    await admin.quit();
  });

  describeRelayStoreContract('redis', async () => open(freshPrefix()), { reopen: async () => open() });
  describeInstallationContract('redis', async () => open(freshPrefix()), { reopen: async () => open() });

  describe('across two connections', () => {
    let a: RedisRelayStore;
    let b: RedisRelayStore;
    beforeAll(async () => {
      const prefix = freshPrefix();
      [a, b] = await Promise.all([open(prefix), open(prefix)]);
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close()]);
    });

    it('creates exactly one of 20 concurrent records sharing a request key or a Slack message', async () => {
      for (const shared of [
        { requestKey: `command:T0TEST:${randomUUID()}` },
        { slack: makeSlackRef('7.1') },
      ]) {
        const records = Array.from({ length: 20 }, () => makeRecord(shared));
        const results = await Promise.all(records.map((r, i) => (i % 2 === 0 ? a : b).create(r)));
        const created = results.flatMap((r) => (r.created ? [r.record] : []));
        expect(created).toHaveLength(1);
        for (const result of results) {
          if (!result.created) expect(result.existing).toStrictEqual(created[0]);
        }
      }
      expect(await keysUnder(`${lastPrefix}relay:`)).toHaveLength(2);
    });

    it('lets exactly one of 20 concurrent compare-and-sets win', async () => {
      const record = makeRecord({ status: 'sent' });
      await a.create(record);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? a : b).update(record.id, { status: 'revoking', revokedBy: `U${i}` }, 'sent'),
        ),
      );
      const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(result.reason).toBeInstanceOf(StoreConflictError);
          expect((result.reason as StoreConflictError).current).toStrictEqual(winners[0]);
        }
      }
      expect(await b.findById(record.id)).toStrictEqual(winners[0]);
      expect((await a.listByStatus(['revoking'], 10)).map((r) => r.id)).toContain(record.id);
      expect((await b.listByStatus(['sent'], 10)).map((r) => r.id)).not.toContain(record.id);
    });
  });

  describe('keys', () => {
    it('writes the documented layout, and prune leaves no key behind', async () => {
      const prefix = freshPrefix();
      const store = await open(prefix);
      const record = makeRecord({ slack: { teamId: 'T:1', channelId: 'C%2', ts: '8.1' } });
      await store.create(record);
      await store.update(record.id, { status: 'sent' });
      expect(await keysUnder(prefix)).toStrictEqual(
        [
          `${prefix}relay:${record.id}`,
          `${prefix}req:${record.requestKey}`,
          `${prefix}msg:T%3A1:C%252:8.1`,
          `${prefix}sender:U0SENDER`,
          `${prefix}status:sent`,
        ].sort(),
      );
      expect(await store.prune(Number.POSITIVE_INFINITY)).toBe(1);
      expect(await keysUnder(prefix)).toStrictEqual([]);
      await store.close();
    });

    it('indexes a relay by the Slack message it relays, and prune leaves that index behind neither', async () => {
      const prefix = freshPrefix();
      const store = await open(prefix);
      const relayed = { teamId: 'T:1', channelId: 'C%2', ts: '8.2' };
      const record = makeRecord({
        slack: undefined,
        status: 'sent',
        source: { door: 'message', teamId: 'T:1', slack: relayed, repeat: 2 },
      });
      await store.create(record);
      expect(await keysUnder(prefix)).toStrictEqual(
        [
          `${prefix}relay:${record.id}`,
          `${prefix}req:${record.requestKey}`,
          `${prefix}src:T%3A1:C%252:8.2`,
          `${prefix}sender:U0SENDER`,
          `${prefix}status:sent`,
        ].sort(),
      );
      expect(await admin.zrange(`${prefix}src:T%3A1:C%252:8.2`, 0, -1, 'WITHSCORES')).toStrictEqual([
        record.id,
        String(record.createdAt),
      ]);
      expect(await store.prune(Number.POSITIVE_INFINITY)).toBe(1);
      expect(await keysUnder(prefix)).toStrictEqual([]);
      await store.close();
    });

    it('keeps Slack refs apart whose parts contain the separator', async () => {
      const store = await open(freshPrefix());
      const first = makeRecord({ slack: { teamId: 'T', channelId: 'C:1', ts: '9.1' } });
      const second = makeRecord({ slack: { teamId: 'T:C', channelId: '1', ts: '9.1' } });
      expect((await store.create(first)).created).toBe(true);
      expect((await store.create(second)).created).toBe(true);
      expect(await store.findBySlackMessage({ teamId: 'T', channelId: 'C:1', ts: '9.1' })).toStrictEqual(
        first,
      );
      await store.update(second.id, { slack: makeSlackRef('9.2') });
      expect(await store.findBySlackMessage({ teamId: 'T:C', channelId: '1', ts: '9.1' })).toBeUndefined();
      expect(await store.findBySlackMessage({ teamId: 'T', channelId: 'C:1', ts: '9.1' })).toStrictEqual(
        first,
      );
      await store.close();
    });

    it('prunes more relays than fit in one page and keeps the rest indexed', async () => {
      const prefix = freshPrefix();
      const store = await open(prefix);
      const old = (status: RelayRecord['status']) => makeRecord({ status, createdAt: BASE_TIME - 1 });
      const records = [...Array.from({ length: 450 }, () => old('sent')), old('pending'), old('revoked')];
      await Promise.all(records.map((r) => store.create(r)));
      expect(await store.prune(BASE_TIME)).toBe(451);
      expect(
        (await store.listByStatus(['pending', 'sent', 'revoked'], 1000)).map((r) => r.status),
      ).toStrictEqual(['pending']);
      expect(await keysUnder(`${prefix}relay:`)).toHaveLength(1);
      await store.close();
    });
  });

  describe('opening and closing', () => {
    it('is what openStore gives for redis://, with the key prefix and clock passed through', async () => {
      const prefix = freshPrefix();
      const store = await openStore(REDIS_URL, { redisKeyPrefix: prefix, now: () => 77 });
      expect(store).toBeInstanceOf(RedisRelayStore);
      const record = makeRecord();
      await store.create(record);
      expect((await store.update(record.id, { status: 'sent' })).updatedAt).toBe(77);
      expect(await admin.exists(`${prefix}relay:${record.id}`)).toBe(1);
      await store.close();
    });

    it('uses the fxb: prefix by default', async () => {
      const store = await openRedisStore({ url: REDIS_URL });
      // Unique sender and keys, removed one by one: fxb: may hold someone's real data.
      const senderId = `U0${randomUUID()}`;
      const record = makeRecord({ senderId, slack: undefined, requestKey: `test:${randomUUID()}` });
      try {
        await store.create(record);
        expect(await admin.get(`fxb:req:${record.requestKey}`)).toBe(record.id);
      } finally {
        await admin.del(`fxb:relay:${record.id}`, `fxb:req:${record.requestKey}`, `fxb:sender:${senderId}`);
        await admin.zrem('fxb:status:pending', record.id);
        await store.close();
      }
    });

    it('refuses a database number the server does not have', async () => {
      const url = new URL(REDIS_URL);
      url.pathname = '/9999';
      const error = await rejectionOf(openRedisStore({ url: url.toString() }));
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toMatch(/Could not connect.*DB index/);
    });

    it('reports a connection lost later as a StoreError with the cause', async () => {
      // A TCP relay to the real server that we can pull the plug on.
      const target = new URL(REDIS_URL);
      const sockets = new Set<Socket>();
      const relay = createServer((client) => {
        const upstream = connect(Number(target.port || 6379), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
      const through = new URL(REDIS_URL);
      through.hostname = '127.0.0.1';
      through.port = String((relay.address() as AddressInfo).port);
      const store = await openRedisStore({ url: through.toString(), keyPrefix: freshPrefix() });
      await store.ping();
      const closed = new Promise((resolve) => relay.close(resolve)); // Resolves once sockets are gone.
      for (const socket of sockets) socket.destroy();
      await closed;
      const error = await rejectionOf(store.ping());
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toMatch(/^Redis store failed: /);
      expect((error as StoreError).cause).toBeInstanceOf(Error);
      await store.close();
    });

    it('closes idempotently, and then rejects every call with a StoreError', async () => {
      const store = await open(freshPrefix());
      await Promise.all([store.close(), store.close()]);
      await store.close();
      for (const call of [store.ping(), store.findById('rl_x'), store.create(makeRecord()), store.prune(1)]) {
        expect(await rejectionOf(call)).toBeInstanceOf(StoreError);
      }
    });
  });
});
