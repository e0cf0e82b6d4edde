/**
 * The Slack adapter's errors: one base with a `code` (bolt-js's `CodedError` pattern), and the one
 * way to read Slack's own error string off a Web API failure.
 */

export const SlackErrorCode = {
  /** auth.test refused SLACK_BOT_TOKEN (or it is not a bot token). */
  AuthFailed: 'slack_auth_failed',
  /** auth.test kept failing for the whole start-up retry time. */
  Unreachable: 'slack_unreachable',
  /** apps.connections.open refused SLACK_APP_TOKEN. */
  AppTokenRefused: 'slack_app_token_refused',
} as const;

export type SlackErrorCode = (typeof SlackErrorCode)[keyof typeof SlackErrorCode];

/** Base of every error the Slack adapter throws itself (the Web API client's own errors aside). */
export abstract class SlackAdapterError extends Error {
  abstract readonly code: SlackErrorCode;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The Web API client's code for "Slack answered ok: false" (`webApi.ErrorCode.PlatformError`). */
const PLATFORM_ERROR = 'slack_webapi_platform_error';

export function isPlatformError(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === PLATFORM_ERROR;
}

/**
 * Slack's `error` string (`invalid_auth`, `user_not_found`, …) carried by a failed call, whatever
 * kind of error carries it; undefined when there is none (no connection, a timeout, an HTTP error).
 */
export function slackErrorCode(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}

/** Slack's `error` string of an `ok: false` answer only. */
export function platformErrorCode(error: unknown): string | undefined {
  return isPlatformError(error) ? slackErrorCode(error) : undefined;
}
