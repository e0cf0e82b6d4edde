/**
 * Secrets at rest (install mode): Slack tokens and Fxiaoke credentials are stored only as sealed
 * text, AES-256-GCM under FX_BRIDGE_SECRET_KEY. Each sealed value names the key that sealed it (a
 * key id: the first 8 bytes of the key's SHA-256, which says nothing about the key), so a key can be
 * rotated: the bridge opens values sealed with FX_BRIDGE_OLD_SECRET_KEY too, while
 * `fx-bridge secrets rotate` seals them again with the current one.
 *
 * A wrong key never yields garbage: GCM's tag refuses it, and the error says which variable to fix.
 * `context` (e.g. `slack-bot:T123`) is bound in as additional data, so a sealed value copied onto
 * another workspace's row does not open there.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const SEALED_PREFIX = 'fxs1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Why a sealed value could not be opened; never holds the value or a key. */
export class SecretBoxError extends Error {
  constructor(
    readonly code: 'secret_key_unknown' | 'secret_unreadable' | 'secret_malformed',
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * A key as FX_BRIDGE_SECRET_KEY gives it: 64 hex digits or base64 (standard or url-safe, padded or
 * not) of exactly 32 bytes. Returns the bytes, or the problem (text following the variable's name).
 */
export function readSecretKey(text: string): { key: Buffer } | { problem: string } {
  const value = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) key = Buffer.from(value, 'base64');
  if (key?.length === KEY_BYTES) return { key };
  return {
    problem:
      'must be 32 random bytes, written as 64 hex digits or in base64 (e.g. the output of `openssl rand -base64 32`)',
  };
}

/** The key's public name: the first 8 bytes of its SHA-256, in hex. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export class SecretBox {
  readonly #current: { id: string; key: Buffer };
  readonly #keys: Map<string, Buffer>;

  /** `current` seals; it and `previous` (keys being rotated out) open. */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== KEY_BYTES) throw new RangeError('A secret key must be 32 bytes');
    }
    this.#current = { id: keyIdOf(current), key: current };
    this.#keys = new Map(previous.map((key) => [keyIdOf(key), key]));
    this.#keys.set(this.#current.id, current);
  }

  get keyId(): string {
    return this.#current.id;
  }

  /** `fxs1.<key id>.<iv>.<ciphertext>.<tag>`, base64url; a fresh random IV each time. */
  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, body, cipher.getAuthTag()].map((part) => part.toString('base64url'));
    return [SEALED_PREFIX, this.#current.id, ...parts].join('.');
  }

  /** The key id a sealed value names (without opening it); undefined when it is not sealed text. */
  static keyIdOf(sealed: string): string | undefined {
    const parts = sealed.split('.');
    return parts.length === 5 && parts[0] === SEALED_PREFIX ? parts[1] : undefined;
  }

  /** Whether the value was sealed with the current key (rotation leaves those alone). */
  isCurrent(sealed: string): boolean {
    return SecretBox.keyIdOf(sealed) === this.#current.id;
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    const [prefix, keyId, iv, body, tag] = parts;
    if (parts.length !== 5 || prefix !== SEALED_PREFIX || !keyId || !iv || body === undefined || !tag) {
      throw new SecretBoxError(
        'secret_malformed',
        'A stored secret is not in the sealed form fx-bridge writes',
      );
    }
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new SecretBoxError(
        'secret_key_unknown',
        `A stored secret was sealed with key id ${keyId}, but FX_BRIDGE_SECRET_KEY has key id ${this.#current.id}` +
          ' (and FX_BRIDGE_OLD_SECRET_KEY does not match either): start with the key it was sealed with,' +
          ' or give that one as FX_BRIDGE_OLD_SECRET_KEY and run `fx-bridge secrets rotate`',
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      const tagBytes = Buffer.from(tag, 'base64url');
      if (tagBytes.length !== TAG_BYTES) throw new Error('short tag');
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretBoxError(
        'secret_unreadable',
        `A stored secret does not open with FX_BRIDGE_SECRET_KEY (key id ${keyId}): it was altered, or belongs to another record`,
      );
    }
  }
}

/** The box install mode uses: FX_BRIDGE_SECRET_KEY seals, FX_BRIDGE_OLD_SECRET_KEY still opens. */
export function secretBoxOf(keys: { secretKey: string; oldSecretKey: string | undefined }): SecretBox {
  const keyOf = (text: string, name: string): Buffer => {
    const read = readSecretKey(text);
    // The configuration checked both already; this is for callers that skipped it.
    if ('problem' in read) throw new SecretBoxError('secret_malformed', `${name} ${read.problem}`);
    return read.key;
  };
  const previous = keys.oldSecretKey ? [keyOf(keys.oldSecretKey, 'FX_BRIDGE_OLD_SECRET_KEY')] : [];
  return new SecretBox(keyOf(keys.secretKey, 'FX_BRIDGE_SECRET_KEY'), previous);
}
