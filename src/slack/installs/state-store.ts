/**
 * The `state` of an install (Bolt's StateStore): signed with SLACK_STATE_SECRET (HMAC-SHA256),
 * valid for 10 minutes, and good for one use only — its nonce is marked used in the store, so a
 * replayed state is refused on every replica. Bolt also checks it matches the browser's cookie.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { InstallURLOptions, StateStore } from '@slack/bolt';

export const STATE_LIFETIME_MS = 10 * 60_000;

export type StateProblem = 'forged' | 'expired' | 'replayed';

/** Why a state was refused; the install page says it in words (pages.ts). */
export class InstallStateError extends Error {
  readonly code = 'fx_bridge_install_state';
  constructor(readonly problem: StateProblem) {
    super(`The install's state was ${problem}`);
    this.name = 'InstallStateError';
  }
}

interface StatePayload {
  /** One-time nonce. */
  n: string;
  /** Expiry, epoch ms. */
  e: number;
  o: InstallURLOptions;
}

/** Where a nonce is marked used, for every replica (the vault, over the store). */
export interface OnceClaims {
  claimOnce(name: string, until: number): Promise<boolean>;
}

export class SignedOnceStateStore implements StateStore {
  readonly #secret: string;
  readonly #once: OnceClaims;

  constructor(secret: string, once: OnceClaims) {
    this.#secret = secret;
    this.#once = once;
  }

  async generateStateParam(installOptions: InstallURLOptions, now: Date): Promise<string> {
    const payload: StatePayload = {
      n: randomBytes(16).toString('base64url'),
      e: now.getTime() + STATE_LIFETIME_MS,
      o: installOptions,
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.#sign(body)}`;
  }

  async verifyStateParam(now: Date, state: string): Promise<InstallURLOptions> {
    const [body, signature, ...rest] = state.split('.');
    if (!body || !signature || rest.length > 0 || !this.#matches(body, signature)) {
      throw new InstallStateError('forged');
    }
    let payload: StatePayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StatePayload;
    } catch {
      throw new InstallStateError('forged');
    }
    if (typeof payload.e !== 'number' || payload.e <= now.getTime()) throw new InstallStateError('expired');
    if (!(await this.#once.claimOnce(`state:${payload.n}`, payload.e)))
      throw new InstallStateError('replayed');
    return payload.o;
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }

  #matches(body: string, signature: string): boolean {
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
