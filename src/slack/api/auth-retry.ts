/**
 * auth.test at start, patiently: a short Slack outage (or a network still coming up next to the
 * container) must not end the process, or a restart policy turns it into a crash loop and a
 * plain `npm start` simply stays down. A token Slack refuses is a different matter: no amount of
 * waiting fixes it, so that fails at once, naming the variable.
 */
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { SlackAdapterError, SlackErrorCode } from '../errors.js';
import { resolveBotIdentity, SlackAuthError } from './bot-identity.js';

/**
 * Slack's answers that say the token itself is wrong. Anything else (no connection, a timeout, an
 * HTTP 5xx, `service_unavailable`, `fatal_error`, `ratelimited`) may pass, so it is retried.
 */
const TOKEN_REFUSED = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'invalid_arguments',
  'two_factor_setup_required',
  'enterprise_is_restricted',
  'team_access_not_granted',
  'the token is not a bot token',
]);

export function isTokenRefused(error: SlackAuthError): boolean {
  return TOKEN_REFUSED.has(error.reason);
}

/** Slack kept failing (not refusing) for the whole retry time: the token was never judged. */
export class SlackUnreachableError extends SlackAdapterError {
  readonly code = SlackErrorCode.Unreachable;
  constructor(reason: string, attempts: number, elapsedMs: number) {
    super(
      `Slack's auth.test kept failing for ${Math.round(elapsedMs / 1000)} s (${attempts} tries; last: ${reason}). ` +
        'Check that Slack is reachable from here and SLACK_API_URL; SLACK_STARTUP_RETRY_SECONDS sets how long to keep trying.',
    );
  }
}

export interface PatientAuthOptions {
  /** Stop retrying once this long has passed since the first try (SLACK_STARTUP_RETRY_SECONDS). */
  retryForMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** The first pause; it doubles up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function resolveBotIdentityPatiently(
  slack: Config['slack'],
  log: Logger,
  options: PatientAuthOptions,
): Promise<{ botId: string; botUserId: string }> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const started = now();
  let delay = options.firstDelayMs ?? 1_000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const identity = await resolveBotIdentity(slack);
      if (attempt > 1) log.info({ attempt }, 'Slack auth.test answered; starting');
      return identity;
    } catch (error) {
      if (!(error instanceof SlackAuthError) || isTokenRefused(error)) throw error;
      const left = started + options.retryForMs - now();
      if (left <= 0) throw new SlackUnreachableError(error.reason, attempt, now() - started);
      const wait = Math.min(delay, left);
      log.warn(
        { attempt, reason: error.reason, retryInSeconds: Math.round(wait / 100) / 10 },
        `Slack auth.test failed (${error.reason}); retrying, for up to ${Math.round(options.retryForMs / 1000)} s in all (SLACK_STARTUP_RETRY_SECONDS)`,
      );
      await sleep(wait);
      delay = Math.min(delay * 2, options.maxDelayMs ?? 30_000);
    }
  }
}
