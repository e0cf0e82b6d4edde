/** Two replicas' clients (two pools, one database) share one Fxiaoke token through PostgreSQL. */
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FxiaokeClient } from '../../src/fxiaoke/client.js';
import { FxiaokeError, FxiaokeSharedStateError } from '../../src/fxiaoke/errors.js';
import type { CachedToken } from '../../src/fxiaoke/token-cache.js';
import type { TokenSource } from '../../src/fxiaoke/token-manager.js';
import { createClient, postgresTarget } from '../../src/postgres/connection.js';
import { PostgresTokenCache } from '../../src/postgres/token-cache.js';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const SCOPE = `header:${CREDS.appId}`;
const available = await postgresAvailable('PostgreSQL token cache');

describe.skipIf(!available)('PostgresTokenCache (real PostgreSQL)', () => {
  let db: TestDatabase;
  let emulator: FxiaokeEmulator | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  async function cache(lockWaitMs?: number): Promise<PostgresTokenCache> {
    const pool: pg.Pool = await db.pool({ poolSize: 2 });
    cleanups.push(() => pool.end());
    const target = postgresTarget(db.url);
    const settings = { ...DEFAULTS.postgres, poolSize: 2 };
    return new PostgresTokenCache({
      pool,
      newClient: () => createClient(target, settings),
      scope: SCOPE,
      ...(lockWaitMs ? { lockWaitMs } : {}),
    });
  }

  /** One replica: its own pool and cache on the shared database. */
  async function replica(appSecret = CREDS.appSecret) {
    const seen: { token: string; source: TokenSource }[] = [];
    const client = new FxiaokeClient({
      timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
      baseUrl: emulator!.url,
      ...CREDS,
      appSecret,
      authMode: 'header',
      userId: '1000',
      sleep: async () => {},
      tokenCache: await cache(),
      onToken: (token, source) => seen.push({ token, source }),
    });
    cleanups.push(() => client.close());
    return { client, seen };
  }

  function sendSplit(a: FxiaokeClient, b: FxiaokeClient, count: number) {
    const to = [emulator!.users[0]!.openUserId];
    return Promise.all(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? a : b).sendText(to, `m${i}`)));
  }

  /** Sessions holding (or waiting for) an advisory lock on this database, besides the asker. */
  async function advisoryLocks(): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND d.datname = current_database()`,
    );
    return rows[0]?.n ?? 0;
  }

  beforeAll(async () => {
    db = await TestDatabase.create('token');
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await emulator?.stop();
    emulator = undefined;
    await db.query('TRUNCATE fxb_tokens');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('20 concurrent sends on two replicas make one token fetch; both learn the token for scrubbing', async () => {
    emulator = await FxiaokeEmulator.start();
    const a = await replica();
    const b = await replica();
    await sendSplit(a.client, b.client, 20);

    expect(emulator.tokenFetches()).toBe(1);
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(1);
    expect(a.client.tokens.fetchCount + b.client.tokens.fetchCount).toBe(1);
    expect(emulator.messages).toHaveLength(20);
    const sources = [...a.seen, ...b.seen].map((s) => s.source).sort();
    expect(sources).toEqual(['fetched', 'shared']);
    expect(new Set([...a.seen, ...b.seen].map((s) => s.token)).size).toBe(1);

    // Stored for the token's remaining life (7200 s) on the server's clock; the lock is gone.
    const { rows } = await db.query<{ scope: string; ttl: number }>(
      'SELECT scope, extract(epoch FROM expires_at - clock_timestamp())::float8 AS ttl FROM fxb_tokens',
    );
    expect(rows.map((row) => row.scope)).toEqual([SCOPE]);
    expect(rows[0]!.ttl).toBeGreaterThan(7_100);
    expect(rows[0]!.ttl).toBeLessThanOrEqual(7_200);
    expect(await advisoryLocks()).toBe(0);
  });

  it('after the tokens expire (20016), both replicas recover with exactly one more fetch', async () => {
    emulator = await FxiaokeEmulator.start();
    const a = await replica();
    const b = await replica();
    await sendSplit(a.client, b.client, 10);
    expect(emulator.tokenFetches()).toBe(1);

    emulator.expireAllTokens();
    await sendSplit(a.client, b.client, 20);
    expect(emulator.tokenFetches()).toBe(2);
    expect(emulator.tokensIssued()).toBe(2);
    expect(emulator.messages).toHaveLength(30);
    const latest = a.seen.at(-1)?.token;
    expect(latest).toBeDefined();
    expect(b.seen.at(-1)?.token).toBe(latest);
  });

  it('releases the lock when the fetch fails (wrong secret), so the next attempt is not blocked', async () => {
    emulator = await FxiaokeEmulator.start();
    const wrong = await replica('not-the-secret');
    const to = [emulator.users[0]!.openUserId];

    const first = await wrong.client.sendText(to, 'x').catch((e: unknown) => e);
    expect(first).toBeInstanceOf(FxiaokeError);
    expect((first as FxiaokeError).kind).toBe('config');
    expect(await advisoryLocks()).toBe(0);

    const second = await wrong.client.sendText(to, 'y').catch((e: unknown) => e);
    expect((second as FxiaokeError).kind).toBe('config');
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);

    // A replica with the right secret gets its token at once.
    const right = await replica();
    await right.client.sendText(to, 'z');
    expect(emulator.tokenFetches()).toBe(1);
  });

  it('invalidate deletes only the token that failed; the lock admits one holder at a time', async () => {
    const [one, two] = [await cache(), await cache()];
    const token: CachedToken = {
      credentials: { style: 'header', accessToken: 'token-one-0123456789', ea: 'fs123' },
      expiresAt: Date.now() + 7_200_000,
      fetchedAt: Date.now(),
    };
    await one.set(token, 60_000);
    await two.invalidate('some-older-token');
    expect(await two.get()).toEqual(token);
    await two.invalidate('token-one-0123456789');
    expect(await one.get()).toBeUndefined();

    let inside = 0;
    let most = 0;
    const hold = (c: PostgresTokenCache) =>
      c.withLock(async () => {
        inside += 1;
        most = Math.max(most, inside);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inside -= 1;
      });
    await Promise.all([hold(one), hold(two), hold(one), hold(two)]);
    expect(most).toBe(1);
    expect(await advisoryLocks()).toBe(0);
  });

  it('a lock whose holder died is free at once; a live holder past the wait is given up on; garbage reads as no token', async () => {
    const mine = await cache(300);
    // A holder that dies: its session ends, and so does its lock.
    const dying = await db.client();
    await dying.query("SELECT pg_advisory_lock(x'667862'::int, hashtext('token:' || $1))", [SCOPE]);
    const waited = mine.withLock(async () => 'mine');
    await expect.poll(advisoryLocks).toBe(2); // the holder, and us waiting
    await dying.end();
    expect(await waited).toBe('mine');

    // A holder that lives on: the waiter gives up after its wait, saying why.
    const holder = await db.client();
    await holder.query("SELECT pg_advisory_lock(x'667862'::int, hashtext('token:' || $1))", [SCOPE]);
    const error = await mine.withLock(async () => 'never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FxiaokeSharedStateError);
    expect(String(error)).toMatch(
      /Gave up after 300 ms waiting for another replica to fetch the Fxiaoke token/,
    );
    await holder.end();

    await db.query(
      `INSERT INTO fxb_tokens (scope, token, value, expires_at) VALUES ($1, 'x', '{"not":"a token"}', now() + interval '1 hour')`,
      [SCOPE],
    );
    expect(await mine.get()).toBeUndefined();
  });
});
