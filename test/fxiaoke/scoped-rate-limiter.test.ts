import { describe, expect, it } from 'vitest';
import { endpointOf, InProcessRateLimiter } from '../../src/fxiaoke/rate-limiter.js';
import { ScopedRateLimiter } from '../../src/fxiaoke/scoped-rate-limiter.js';
import { TOKEN_PATHS } from '../../src/fxiaoke/token-manager.js';
import { FakeTime } from '../fake-time.js';

const SEND = '/cgi/message/send';

function shared() {
  const time = new FakeTime();
  const limiter = new InProcessRateLimiter({
    budget: { calls: 2, windowMs: 1_000 },
    marginMs: 0,
    now: time.now,
    sleep: time.sleep,
  });
  return { limiter, time };
}

describe('ScopedRateLimiter (install mode: one tenant’s budget in a shared limiter)', () => {
  it('finds the endpoint behind a scope, so budgets by path still apply', () => {
    expect(endpointOf(SEND)).toBe(SEND);
    expect(endpointOf(`T:T0ONE${SEND}`)).toBe(SEND);
    expect(endpointOf(`E:E0ORG${TOKEN_PATHS.header}`)).toBe(TOKEN_PATHS.header);
    const { limiter } = shared();
    expect(limiter.budgetFor(`T:T0ONE${TOKEN_PATHS.header}`).calls).toBe(10);
    expect(limiter.budgetFor(`T:T0ONE${SEND}`).calls).toBe(2);
  });

  it('gives each tenant the whole budget: one tenant’s queue never holds another’s call', async () => {
    const { limiter, time } = shared();
    const one = new ScopedRateLimiter(limiter, 'T:T0ONE');
    const two = new ScopedRateLimiter(limiter, 'T:T0TWO');
    await one.acquire(SEND);
    await one.acquire(SEND);
    const thirdOfOne = one.acquire(SEND);
    // Tenant two's calls are granted at once, twice, while tenant one's third waits its window.
    const twoGrants = await Promise.all([two.acquire(SEND), two.acquire(SEND)]);
    expect(twoGrants.map((grant) => grant.waitedMs)).toEqual([0, 0]);
    expect((await thirdOfOne).waitedMs).toBeGreaterThan(0);
    expect(time.ms).toBeGreaterThanOrEqual(1_000);
  });

  it('pauses only its own tenant on a penalty, and leaves the shared limiter open on close', async () => {
    const { limiter, time } = shared();
    const one = new ScopedRateLimiter(limiter, 'T:T0ONE');
    const two = new ScopedRateLimiter(limiter, 'T:T0TWO');
    await one.penalize(SEND, time.now() + 5_000);
    expect((await two.acquire(SEND)).waitedMs).toBe(0);
    await one.close();
    expect((await two.acquire(SEND)).waitedMs).toBe(0);
    expect(() => new ScopedRateLimiter(limiter, 'bad/scope')).toThrow(RangeError);
  });
});
