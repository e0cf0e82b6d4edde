import { describe, expect, it } from 'vitest';
import { relayDeps } from '../../src/relay/deps.js';
import { FakeFxiaoke } from './fake-fxiaoke.js';
import { defaultTimings, testRelay, testSettings } from './relay-deps.js';

describe('relayDeps', () => {
  it('fills in a real clock, relay ids, thirdTraceIds and an empty observer', () => {
    const { store } = testRelay();
    const deps = relayDeps({
      ...defaultTimings(),
      store,
      fxiaoke: new FakeFxiaoke(),
      settings: testSettings(),
      log: console,
    });
    const before = Date.now();
    expect(deps.now()).toBeGreaterThanOrEqual(before);
    expect(deps.newRelayId(before)).toMatch(/^rl_[0-9A-Z]{22}$/);
    expect(deps.newThirdTraceId()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(deps.newThirdTraceId()).not.toBe(deps.newThirdTraceId());
    expect(deps.observer).toEqual({});
  });

  it('lets the caller override every default', () => {
    const { store } = testRelay();
    const deps = relayDeps({
      ...defaultTimings(),
      store,
      fxiaoke: new FakeFxiaoke(),
      settings: testSettings(),
      log: console,
      now: () => 7,
      newThirdTraceId: () => 'fixed',
    });
    expect(deps.now()).toBe(7);
    expect(deps.newThirdTraceId()).toBe('fixed');
  });
});
