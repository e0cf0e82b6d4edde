/**
 * Two processes' limiters (two connections) share one budget through a real SQLite file: a
 * receiver and its forked worker, or a process and the one started after it was killed. One fake
 * clock stands for the host's, which processes on one file share.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FxiaokeSharedStateError } from '../../src/fxiaoke/errors.js';
import { type Grant, RateLimiterClosedError } from '../../src/fxiaoke/rate-limiter.js';
import { SqliteRateLimiter } from '../../src/store/sqlite-rate-limiter.js';
import { FakeTime } from '../fake-time.js';

const SEND = '/cgi/message/send';

describe('SqliteRateLimiter (real SQLite file)', () => {
  let dir: string;
  let file: string;
  let time: FakeTime;
  const limiters: SqliteRateLimiter[] = [];

  function limiter(
    calls = 10,
    sleep: (ms: number, signal: AbortSignal) => Promise<void> = time.sleep,
  ): SqliteRateLimiter {
    const made = new SqliteRateLimiter({
      path: file,
      budget: { calls, windowMs: 1_000 },
      marginMs: 0,
      now: time.now,
      sleep,
    });
    limiters.push(made);
    return made;
  }

  function rows(sql: string): unknown[] {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sql).all();
    } finally {
      db.close();
    }
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fx-bridge-rate-'));
    file = join(dir, 'relays.db');
    time = new FakeTime();
  });
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((each) => each.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('30 concurrent acquires on two limiters, budget 10 per window: never more than 10 in any window', async () => {
    const [a, b] = [limiter(), limiter()];
    const byLimiter: string[] = [];
    const grants = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a : b).acquire(SEND).then((grant: Grant) => {
          byLimiter.push(i % 2 === 0 ? 'a' : 'b');
          return grant;
        }),
      ),
    );
    const times = grants.map((grant) => grant.grantedAt).sort((x, y) => x - y);
    expect(times).toEqual([...Array(10).fill(0), ...Array(10).fill(1_000), ...Array(10).fill(2_000)]);
    expect(byLimiter.filter((name) => name === 'a')).toHaveLength(15);
  });

  it('a limiter opened after another was closed (a restart) finds its grants of the last window', async () => {
    const before = limiter();
    await Promise.all(Array.from({ length: 10 }, () => before.acquire(SEND)));
    await before.close();
    time.ms = 400;
    const after = limiter();
    const told: number[] = [];
    const grant = await after.acquire(SEND, { onWait: (ms) => told.push(ms) });
    expect(told).toEqual([600]);
    expect(grant.grantedAt).toBe(1_000);
    // Grants that left the window are deleted by the next decision.
    expect(rows('SELECT at FROM rate_grants')).toEqual([{ at: 1_000 }]);
  });

  it('finish restarts the window: a slot counts from the end of its call', async () => {
    const [a, b] = [limiter(1), limiter(1)];
    const first = await a.acquire(SEND);
    time.ms = 700;
    await first.done();
    expect((await b.acquire(SEND)).grantedAt).toBe(1_700);
  });

  it('a penalty on one limiter pauses the endpoint for the other and halves the shared budget once', async () => {
    const [a, b] = [limiter(), limiter()];
    await a.acquire(SEND);
    await a.penalize(SEND, 500);
    await a.penalize(SEND, 200); // the same burst refused again: no second halving, no shortening
    expect(rows('SELECT paused_until, cap, since FROM rate_state')).toEqual([
      { paused_until: 500, cap: 5, since: 0 },
    ]);
    expect((await b.acquire('/cgi/app/message/revoke')).grantedAt).toBe(0); // other endpoints carry on
    // After the pause, 5 in the window (the grant before the penalty among them); a window later, 6.
    const times = (await Promise.all(Array.from({ length: 6 }, () => b.acquire(SEND)))).map(
      (g) => g.grantedAt,
    );
    expect(times).toEqual([500, 500, 500, 500, 1_000, 1_000]);
  });

  it('waits for another process holding the write lock without freezing, then decides', async () => {
    const a = limiter();
    await a.acquire(SEND); // migrated and serving
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    let granted = false;
    const waiting = a.acquire(SEND).then((grant) => {
      granted = true;
      return grant;
    });
    // The event loop runs meanwhile (this poll would never run if SQLite slept on the lock).
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(granted).toBe(false);
    other.exec('COMMIT');
    other.close();
    expect((await waiting).grantedAt).toBe(0);
  });

  it('close() rejects that limiter’s waiters only; a failing file names the shared limit', async () => {
    // Time stands still: a waiter waits until close() aborts its sleep.
    const still = (_ms: number, signal: AbortSignal) =>
      new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const [a, b] = [limiter(1, still), limiter(1, still)];
    await a.acquire(SEND);
    const waitingA = a.acquire(SEND);
    const waitingB = b.acquire(SEND);
    await expect.poll(() => a.queueDepth() + b.queueDepth()).toBe(2);
    await a.close();
    await expect(waitingA).rejects.toBeInstanceOf(RateLimiterClosedError);
    expect(b.queueDepth()).toBe(1);

    const broken = new Database(file);
    broken.exec('DROP TABLE rate_state');
    broken.close();
    const error = await b.penalize(SEND, 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FxiaokeSharedStateError);
    expect(String(error)).toMatch(/shared Fxiaoke rate limit \(SQLite\) failed: no such table: rate_state/);
    await b.close();
    await expect(waitingB).rejects.toBeInstanceOf(RateLimiterClosedError);
  });
});
