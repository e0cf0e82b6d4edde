/**
 * Where a relay's answers go. While the request is live, its door's own channel (the slash
 * command's response_url, the modal's ephemeral, the held message replaced in place); after a
 * takeover in another process, an ephemeral in the channel it came from, or a DM.
 */
import type { RespondFn, webApi } from '@slack/bolt';
import type { ListenerContext } from '../context.js';
import { tellUser } from '../tell.js';
import type { Answer } from './port.js';

export type { Answer } from './port.js';

/** The slash command's or button's response_url, as a new ephemeral message. */
export function respondAnswer(respond: RespondFn, options: { replace?: boolean } = {}): Answer {
  return async (text, blocks) => {
    await respond({
      response_type: 'ephemeral',
      ...(options.replace !== undefined ? { replace_original: options.replace } : {}),
      text,
      ...(blocks ? { blocks } : {}),
    });
  };
}

/** Ephemeral in the channel, a DM where the bot cannot post there. */
export function userAnswer(
  client: webApi.WebClient,
  ctx: ListenerContext,
  channelId: string,
  userId: string,
): Answer {
  return (text, blocks) => tellUser(client, ctx, channelId, userId, text, blocks);
}

/** A direct message from the app: for answers after a takeover, when the click is long gone. */
export function dmAnswer(client: webApi.WebClient, userId: string): Answer {
  return async (text, blocks) => {
    await client.chat.postMessage({ channel: userId, text, ...(blocks ? { blocks } : {}) });
  };
}

/** An answer that never throws: a lost answer is logged, and the relay's record stands. */
export function safely(answer: Answer, ctx: ListenerContext): Answer {
  return async (text, blocks) => {
    await answer(text, blocks).catch((error: unknown) =>
      ctx.logger.warn({ err: error }, 'could not answer the sender'),
    );
  };
}

/**
 * The one sentence for "the store did not take it": nothing happened, try again. `consequence`
 * says what that means for this door ("nothing will be sent", "nothing was revoked", …).
 */
export function notTakenText(consequence = 'nothing will be sent'): string {
  return `fx-bridge could not record this request in time (its store is slow or unreachable), so nothing was taken and ${consequence}. Please try again in a moment.`;
}

export const NOT_TAKEN_TEXT = `:warning: ${notTakenText()}`;

/** After a failure inside fx-bridge once a relay may have reached Fxiaoke (relay/error-text.ts). */
export { internalErrorWhileRelayingText as internalErrorText } from '../../relay/error-text.js';
