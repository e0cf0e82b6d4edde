import { describe, expect, it } from 'vitest';
import { commandRequestKey, messageRequestKey, newRelayId, slackMessageKey } from '../../src/relay/ids.js';

const CROCKFORD_ID = /^rl_[0-9A-HJKMNP-TV-Z]{22}$/;

describe('newRelayId', () => {
  it('is rl_ and 22 Crockford base32 characters (no I, L, O, U)', () => {
    for (let i = 0; i < 200; i++) expect(newRelayId()).toMatch(CROCKFORD_ID);
  });

  it('encodes the time in its first ten characters', () => {
    expect(newRelayId(0).slice(3, 13)).toBe('0000000000');
    expect(newRelayId(31).slice(3, 13)).toBe('000000000Z');
    expect(newRelayId(32).slice(3, 13)).toBe('0000000010');
    expect(newRelayId(1_700_000_000_000).slice(3, 13)).toBe('01HF7YAT00');
  });

  it('sorts by creation time', () => {
    const times = [
      1_600_000_000_000, 1_600_000_000_001, 1_700_000_000_000, 1_700_000_000_031, 2_000_000_000_000,
    ];
    const ids = times.map((time) => newRelayId(time));
    expect([...ids].sort()).toEqual(ids);
  });

  it('does not repeat within the same millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newRelayId(1_700_000_000_000)));
    expect(ids.size).toBe(1000);
  });
});

describe('Slack keys', () => {
  const ref = { teamId: 'T0TEAM', channelId: 'C0CHAN', ts: '1700000000.000100' };

  it('keys a Slack message as team:channel:ts', () => {
    expect(slackMessageKey(ref)).toBe('T0TEAM:C0CHAN:1700000000.000100');
  });

  it('keys a slash command by its trigger and a message relay by its message', () => {
    expect(commandRequestKey('T0TEAM', '123.456.abc')).toBe('command:T0TEAM:123.456.abc');
    expect(messageRequestKey(ref)).toBe('message:T0TEAM:C0CHAN:1700000000.000100');
    expect(commandRequestKey('T0TEAM', '1')).not.toBe(commandRequestKey('T0OTHER', '1'));
  });
});
