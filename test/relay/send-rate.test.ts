/** The in-process per-user send limit: a sliding window per Slack user. */
import { describe, expect, it } from 'vitest';
import { InProcessSendLimiter, type SendSlot, scopedSendLimiter } from '../../src/relay/send-rate.js';

function setup(limit = 2) {
  const clock = { now: 1_000_000 };
  const limiter = new InProcessSendLimiter({ limit, now: () => clock.now });
  return { clock, limiter };
}

async function slot(limiter: InProcessSendLimiter, userId: string): Promise<SendSlot> {
  const taken = await limiter.take(userId);
  if ('retryAfterMs' in taken) throw new Error(`no slot for ${userId}`);
  return taken;
}

describe('InProcessSendLimiter', () => {
  it('allows `limit` per sliding minute, then says how long until the oldest leaves the window', async () => {
    const { clock, limiter } = setup();
    expect(await limiter.waitFor('U0A')).toBe(0);
    await slot(limiter, 'U0A');
    clock.now += 10_000;
    await slot(limiter, 'U0A');
    clock.now += 5_000;
    expect(await limiter.waitFor('U0A')).toBe(45_000);
    expect(await limiter.take('U0A')).toEqual({ retryAfterMs: 45_000 });
    // Another user has a window of their own.
    expect(await limiter.waitFor('U0B')).toBe(0);
    clock.now += 45_000;
    expect(await limiter.waitFor('U0A')).toBe(0);
    await slot(limiter, 'U0A');
    // The second slot (at +10 s) is now the oldest in the window.
    expect(await limiter.waitFor('U0A')).toBe(10_000);
  });

  it('looking takes nothing; a released slot is free again', async () => {
    const { limiter } = setup(1);
    for (let i = 0; i < 5; i++) expect(await limiter.waitFor('U0A')).toBe(0);
    const taken = await slot(limiter, 'U0A');
    expect(await limiter.waitFor('U0A')).toBeGreaterThan(0);
    await taken.release();
    expect(await limiter.waitFor('U0A')).toBe(0);
    await taken.release(); // twice is harmless
    await slot(limiter, 'U0A');
    expect(await limiter.waitFor('U0A')).toBeGreaterThan(0);
  });

  it('forgets idle users', async () => {
    const { clock, limiter } = setup();
    for (let i = 0; i < 50; i++) await slot(limiter, `U0USER${i}`);
    expect(limiter.trackedUsers).toBe(50);
    clock.now += 61_000;
    await limiter.waitFor('U0OTHER');
    expect(limiter.trackedUsers).toBe(0);
  });

  it('refuses a limit below 1 (0 means no limiter at all)', () => {
    expect(() => new InProcessSendLimiter({ limit: 0 })).toThrow(/at least 1/);
  });
});

describe('scopedSendLimiter (install mode: one workspace inside a shared limiter)', () => {
  it('counts the same user id apart in two workspaces, each with the whole limit', async () => {
    const { limiter } = setup(1);
    const one = scopedSendLimiter(limiter, 'T:T0ONE');
    const two = scopedSendLimiter(limiter, 'T:T0TWO');
    expect('retryAfterMs' in (await one.take('U0SAME'))).toBe(false);
    expect(await one.take('U0SAME')).toHaveProperty('retryAfterMs');
    expect('retryAfterMs' in (await two.take('U0SAME'))).toBe(false);
    expect(await two.waitFor('U0SAME')).toBeGreaterThan(0);
    expect(one.limit).toBe(1);
  });
});
