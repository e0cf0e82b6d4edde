/** Who the bot is (auth.test), asked before Bolt would ask it, and the Web API retry policy. */
import { webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import { SlackAdapterError, SlackErrorCode, slackErrorCode } from '../errors.js';

/**
 * The Web API client defaults to 10 retries over ~30 minutes, longer than a response_url lives
 * and long enough to post a receipt twice. Three quick tries, then a clear failure.
 */
export const SLACK_RETRY_CONFIG = {
  retries: 2,
  factor: 2,
  minTimeout: 300,
  maxTimeout: 2_000,
  randomize: true,
};

export class SlackAuthError extends SlackAdapterError {
  readonly code = SlackErrorCode.AuthFailed;
  constructor(readonly reason: string) {
    super(
      `Slack did not accept SLACK_BOT_TOKEN (auth.test: ${reason}). Check the token and SLACK_API_URL, and that Slack is reachable.`,
    );
  }
}

/**
 * Bolt calls auth.test from its constructor when it does not know the bot's ids, and a failure
 * there is an unhandled rejection that kills the process with a bare stack trace. Asking first
 * turns a bad token or an unreachable Slack into one clear start-up error.
 */
export async function resolveBotIdentity(
  slack: Config['slack'],
): Promise<{ botId: string; botUserId: string }> {
  const client = new webApi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    retryConfig: SLACK_RETRY_CONFIG,
    timeout: 10_000,
    logLevel: webApi.LogLevel.ERROR,
  });
  let result: webApi.AuthTestResponse;
  try {
    result = await client.auth.test();
  } catch (error) {
    const code = slackErrorCode(error);
    throw new SlackAuthError(code ?? (error instanceof Error ? error.message : 'request failed'));
  }
  if (!result.bot_id || !result.user_id) throw new SlackAuthError('the token is not a bot token');
  return { botId: result.bot_id, botUserId: result.user_id };
}
