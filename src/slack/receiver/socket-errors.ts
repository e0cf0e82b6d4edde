/**
 * Socket Mode start failures in the operator's terms. apps.connections.open is called with the
 * app-level token, so Slack's `invalid_auth` there is about SLACK_APP_TOKEN; the client's own
 * message ("An API error occurred: invalid_auth") named no variable, while a bad bot token is named.
 */
import { SlackAdapterError, SlackErrorCode, slackErrorCode } from '../errors.js';

const APP_TOKEN_REFUSED = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'not_allowed_token_type',
  'missing_scope',
  'user_removed_from_team',
  'team_disabled',
]);

export class SlackAppTokenError extends SlackAdapterError {
  readonly code = SlackErrorCode.AppTokenRefused;
  constructor(readonly reason: string) {
    super(
      `Slack did not accept SLACK_APP_TOKEN (apps.connections.open: ${reason}). It must be the app-level ` +
        'token (xapp-…) from Basic Information → App-Level Tokens, with the connections:write scope, ' +
        'of the same app as SLACK_BOT_TOKEN, and Socket Mode must be on in the app settings.',
    );
  }
}

/** The error to report for a failed Socket Mode start: named when the app token was refused. */
export function explainSocketStartError(error: unknown): unknown {
  const reason = slackErrorCode(error);
  if (reason !== undefined && APP_TOKEN_REFUSED.has(reason)) return new SlackAppTokenError(reason);
  return error;
}
