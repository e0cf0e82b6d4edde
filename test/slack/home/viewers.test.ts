import { describe, expect, it } from 'vitest';
import { HomeViewers } from '../../../src/slack/home/viewers.js';

describe('HomeViewers', () => {
  it('remembers who opened the Home, for the TTL', () => {
    const clock = { now: 0 };
    const viewers = new HomeViewers({ ttlMs: 1_000, now: () => clock.now });
    expect(viewers.looksAtHome('U1')).toBe(false);
    viewers.opened('U1');
    clock.now = 1_000;
    expect(viewers.looksAtHome('U1')).toBe(true);
    clock.now = 1_001;
    expect(viewers.looksAtHome('U1')).toBe(false);
    viewers.opened('U1');
    expect(viewers.looksAtHome('U1')).toBe(true);
  });

  it('forgets the least recently opened first when full', () => {
    const viewers = new HomeViewers({ maxUsers: 2 });
    viewers.opened('U1');
    viewers.opened('U2');
    viewers.opened('U1'); // U2 is now the oldest
    viewers.opened('U3');
    expect(['U1', 'U2', 'U3'].map((user) => viewers.looksAtHome(user))).toEqual([true, false, true]);
  });
});
