/**
 * The per-user send limit shared through PostgreSQL: two limiters on two pools (two replicas)
 * count one window per user. Needs the real PostgreSQL; skips loudly without it.
 */
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSendLimiter } from '../../src/postgres/send-limiter.js';
import type { SendSlot } from '../../src/relay/send-rate.js';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';

const available = await postgresAvailable('per-user send limit (PostgreSQL)');

describe.skipIf(!available)('PostgresSendLimiter (real PostgreSQL)', () => {
  let db: TestDatabase;
  let one: pg.Pool;
  let two: pg.Pool;

  beforeAll(async () => {
    db = await TestDatabase.create('sendrate');
    one = await db.pool();
    two = await db.pool();
  });
  afterEach(async () => {
    await db.query('TRUNCATE fxb_send_slots');
  });
  afterAll(async () => {
    await one?.end();
    await two?.end();
    await db?.drop();
  });

  function replicas(limit: number, windowMs = 60_000) {
    return {
      a: new PostgresSendLimiter({ pool: one, limit, windowMs }),
      b: new PostgresSendLimiter({ pool: two, limit, windowMs }),
    };
  }

  async function slot(limiter: PostgresSendLimiter, userId: string): Promise<SendSlot> {
    const taken = await limiter.take(userId);
    if ('retryAfterMs' in taken) throw new Error(`no slot for ${userId}`);
    return taken;
  }

  it('counts one window per user across replicas, and says how long to wait', async () => {
    const { a, b } = replicas(2);
    await slot(a, 'U0A');
    await slot(b, 'U0A');
    const refused = await a.take('U0A');
    expect(refused).toEqual({ retryAfterMs: expect.any(Number) });
    if ('retryAfterMs' in refused) {
      expect(refused.retryAfterMs).toBeGreaterThan(55_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    expect(await b.waitFor('U0A')).toBeGreaterThan(55_000);
    expect(await b.waitFor('U0B')).toBe(0);
    const { rows } = await db.query('SELECT user_id FROM fxb_send_slots');
    expect(rows).toEqual([{ user_id: 'U0A' }, { user_id: 'U0A' }]);
  });

  it('looking takes nothing; a released slot is free again on every replica', async () => {
    const { a, b } = replicas(1);
    for (let i = 0; i < 3; i++) expect(await a.waitFor('U0A')).toBe(0);
    const taken = await slot(a, 'U0A');
    expect(await b.waitFor('U0A')).toBeGreaterThan(0);
    await taken.release();
    expect(await b.waitFor('U0A')).toBe(0);
  });

  it('never grants more than the limit to concurrent takes from two replicas', async () => {
    const { a, b } = replicas(5);
    const takes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).take('U0BURST')),
    );
    expect(takes.filter((taken) => !('retryAfterMs' in taken))).toHaveLength(5);
  });

  it('frees a slot once it leaves the sliding window (server clock)', async () => {
    const { a } = replicas(1, 300);
    await slot(a, 'U0A');
    expect(await a.waitFor('U0A')).toBeGreaterThan(0);
    await expect.poll(() => a.waitFor('U0A'), { timeout: 5_000, interval: 50 }).toBe(0);
  });

  it("sweeps slots that left the window, anyone's, when a slot is taken: idle users leave nothing", async () => {
    await db.query(
      `INSERT INTO fxb_send_slots (user_id, slot, at)
       SELECT 'U0IDLE' || n, gen_random_uuid(), now() - interval '2 minutes' FROM generate_series(1, 150) n`,
    );
    const { a } = replicas(3);
    await slot(a, 'U0A');
    expect((await db.query('SELECT count(*)::int AS n FROM fxb_send_slots')).rows[0]?.n).toBe(51);
    await slot(a, 'U0A');
    expect((await db.query('SELECT user_id FROM fxb_send_slots')).rows).toEqual([
      { user_id: 'U0A' },
      { user_id: 'U0A' },
    ]);
  });
});
