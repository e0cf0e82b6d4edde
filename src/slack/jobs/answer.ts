/**
 * Answering a user privately: one type, `Answer`, and the places an answer can go. While the
 * request is live, its door's own channel (the slash command's or button's response_url, an
 * ephemeral for a modal, the held message replaced in place); after a takeover in another
 * process, an ephemeral in the channel it came from, or a DM.
 */
import type { RespondFn, types, webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';

export type Answer = (text: string, blocks?: types.KnownBlock[]) => Promise<void>;

/** Through the response_url of a slash command or a button: a new ephemeral, or the clicked message replaced. */
export function answerByResponseUrl(respond: RespondFn, options: { replace?: boolean } = {}): Answer {
  return async (text, blocks) => {
    await respond({
      response_type: 'ephemeral',
      ...(options.replace !== undefined ? { replace_original: options.replace } : {}),
      text,
      ...(blocks ? { blocks } : {}),
    });
  };
}

/**
 * An ephemeral in the channel; a DM where the bot cannot post there (no response_url at hand:
 * modal submissions, takeovers). Never throws: a lost answer is logged.
 */
export function answerInChannel(
  client: webApi.WebClient,
  logger: Pick<Logger, 'error'>,
  channelId: string,
  userId: string,
): Answer {
  return async (text, blocks) => {
    try {
      await client.chat.postEphemeral({
        channel: channelId,
        user: userId,
        text,
        ...(blocks ? { blocks } : {}),
      });
    } catch {
      try {
        await client.chat.postMessage({ channel: userId, text, ...(blocks ? { blocks } : {}) });
      } catch (error) {
        logger.error({ err: error, user: userId }, 'could not tell the user about their relay');
      }
    }
  };
}

/** A direct message from the app: for answers after a takeover, when the click is long gone. */
export function answerByDm(client: webApi.WebClient, userId: string): Answer {
  return async (text, blocks) => {
    await client.chat.postMessage({ channel: userId, text, ...(blocks ? { blocks } : {}) });
  };
}

/** An answer that never throws: a lost answer is logged, and the relay's record stands. */
export function safely(answer: Answer, logger: Pick<Logger, 'warn'>): Answer {
  return async (text, blocks) => {
    await answer(text, blocks).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not answer the sender'),
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

/** After a failure inside fx-bridge once a relay may have reached Fxiaoke: never "not sent". */
export function internalErrorText(relayId: string): string {
  return `:x: fx-bridge hit an internal error while relaying this message (relay \`${relayId}\`). Part of it may already be in Fxiaoke, so it will not be sent again automatically; the App Home and the logs show what is known.`;
}
