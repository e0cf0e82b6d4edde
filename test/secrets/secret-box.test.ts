import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, readSecretKey, SecretBox, SecretBoxError } from '../../src/secrets/secret-box.js';

const KEY = randomBytes(32);
const OTHER = randomBytes(32);

function failureOf(open: () => string): SecretBoxError {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    return error as SecretBoxError;
  }
  return expect.fail('expected the value not to open');
}

describe('SecretBox', () => {
  it('seals and opens a value; the sealed text holds neither the value nor the key', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('xoxb-1234-SECRET', 'slack-bot:T1');
    expect(sealed).not.toContain('SECRET');
    expect(sealed).not.toContain(KEY.toString('base64url'));
    expect(sealed.split('.')[1]).toBe(keyIdOf(KEY));
    expect(box.open(sealed, 'slack-bot:T1')).toBe('xoxb-1234-SECRET');
  });

  it('seals the same value differently each time (fresh IV)', () => {
    const box = new SecretBox(KEY);
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
  });

  it('refuses a value sealed with another key by naming the variable, never returning garbage', () => {
    const sealed = new SecretBox(OTHER).seal('xoxb-secret', 'c');
    const error = failureOf(() => new SecretBox(KEY).open(sealed, 'c'));
    expect(error.code).toBe('secret_key_unknown');
    expect(error.message).toContain('FX_BRIDGE_SECRET_KEY');
    expect(error.message).toContain(keyIdOf(OTHER));
    expect(error.message).not.toContain('xoxb-secret');
  });

  it('refuses a value whose key id was forged to the current key (the tag does not match)', () => {
    const sealed = new SecretBox(OTHER).seal('xoxb-secret', 'c').split('.');
    sealed[1] = keyIdOf(KEY);
    const error = failureOf(() => new SecretBox(KEY).open(sealed.join('.'), 'c'));
    expect(error.code).toBe('secret_unreadable');
    expect(error.message).toContain('FX_BRIDGE_SECRET_KEY');
  });

  it('refuses an altered value, and one moved to another record (context)', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('xoxb-secret', 'slack-bot:T1');
    expect(failureOf(() => box.open(sealed, 'slack-bot:T2')).code).toBe('secret_unreadable');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(failureOf(() => box.open(parts.join('.'), 'slack-bot:T1')).code).toBe('secret_unreadable');
    expect(failureOf(() => box.open('xoxb-plain-text', 'slack-bot:T1')).code).toBe('secret_malformed');
  });

  it('opens values of a previous key while sealing with the current one (rotation)', () => {
    const old = new SecretBox(OTHER).seal('v', 'c');
    const rotating = new SecretBox(KEY, [OTHER]);
    expect(rotating.open(old, 'c')).toBe('v');
    expect(rotating.isCurrent(old)).toBe(false);
    const resealed = rotating.seal(rotating.open(old, 'c'), 'c');
    expect(rotating.isCurrent(resealed)).toBe(true);
    expect(new SecretBox(KEY).open(resealed, 'c')).toBe('v');
  });
});

describe('readSecretKey', () => {
  it('reads 32 bytes as hex or base64 (padded, unpadded, url-safe)', () => {
    for (const text of [
      KEY.toString('hex'),
      KEY.toString('base64'),
      KEY.toString('base64').replace(/=+$/, ''),
      KEY.toString('base64url'),
    ]) {
      const read = readSecretKey(text);
      expect('key' in read && read.key.equals(KEY)).toBe(true);
    }
  });

  it('refuses anything else, without echoing it', () => {
    for (const text of [
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
      'password',
      `${KEY.toString('hex')}00`,
    ]) {
      const read = readSecretKey(text);
      expect('problem' in read && read.problem).toMatch(/^must be 32 random bytes/);
      if ('problem' in read) expect(read.problem).not.toContain(text);
    }
  });
});
