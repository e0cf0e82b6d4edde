import { describe, expect, it } from 'vitest';
import {
  commandRequestKey,
  composeRequestKey,
  heldRequestKey,
  messageRequestKey,
  newRelayId,
  repeatRequestKey,
  slackMessageKey,
  slackRefOfMessageKey,
  sourceOf,
  sourceOfRequestKey,
} from '../../src/relay/ids.js';

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

  it('reads a Slack message key back, and nothing that is not one', () => {
    expect(slackRefOfMessageKey(slackMessageKey(ref))).toStrictEqual(ref);
    for (const key of ['T0TEAM:C0CHAN', 'T0TEAM::1.2', 'a:b:c:d', 'rl_x', '']) {
      expect(slackRefOfMessageKey(key)).toBeUndefined();
    }
  });

  it('keys a slash command by its trigger and a message relay by its message', () => {
    expect(commandRequestKey('T0TEAM', '123.456.abc')).toBe('command:T0TEAM:123.456.abc');
    expect(messageRequestKey(ref)).toBe('message:T0TEAM:C0CHAN:1700000000.000100');
    expect(commandRequestKey('T0TEAM', '1')).not.toBe(commandRequestKey('T0OTHER', '1'));
  });
});

describe('sources', () => {
  const ref = { teamId: 'T0TEAM', channelId: 'C0CHAN', ts: '1700000000.000100' };

  it('reads the source back from every request key the bridge mints, and from none other', () => {
    expect(sourceOfRequestKey(commandRequestKey('T0TEAM', '123.456.abc'))).toStrictEqual({
      door: 'command',
      teamId: 'T0TEAM',
    });
    expect(sourceOfRequestKey(composeRequestKey('T0TEAM', 'V0VIEW'))).toStrictEqual({
      door: 'compose',
      teamId: 'T0TEAM',
    });
    expect(sourceOfRequestKey(messageRequestKey(ref))).toStrictEqual({
      door: 'message',
      teamId: 'T0TEAM',
      slack: ref,
    });
    expect(sourceOfRequestKey(repeatRequestKey(ref, 3))).toStrictEqual({
      door: 'message',
      teamId: 'T0TEAM',
      slack: ref,
      repeat: 3,
    });
    // The held keys of before "Acked means kept" name their original request.
    expect(sourceOfRequestKey(heldRequestKey('rl_1', repeatRequestKey(ref, 2)))).toMatchObject({ repeat: 2 });
    for (const key of ['message:a', 'command:T0TEAM', 'other:T0TEAM:1', '']) {
      expect(sourceOfRequestKey(key)).toBeUndefined();
    }
  });

  it('prefers the field, then the request key, then the intake', () => {
    const source = { door: 'compose', teamId: 'T0X' } as const;
    const intake = { door: 'message', teamId: 'T0I', senderName: 'bob', slack: ref, receivedAt: 1 } as const;
    expect(sourceOf({ source, requestKey: messageRequestKey(ref) })).toBe(source);
    expect(sourceOf({ requestKey: commandRequestKey('T0K', '1'), intake })).toStrictEqual({
      door: 'command',
      teamId: 'T0K',
    });
    expect(sourceOf({ requestKey: 'message:a', intake })).toStrictEqual({
      door: 'message',
      teamId: 'T0I',
      slack: ref,
    });
    expect(sourceOf({ requestKey: 'message:a' })).toBeUndefined();
  });
});
