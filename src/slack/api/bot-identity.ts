/** Who the bot is (auth.test), asked before Bolt would ask it. */
import type { webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import { SlackAdapterError, SlackErrorCode, slackErrorCode } from '../errors.js';
import { slackWebClient } from './web-client.js';

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
  const client = slackWebClient(slack.botToken, slack.apiUrl);
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
