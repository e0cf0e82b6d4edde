/**
 * Answering a user privately: one type, `Answer`, and the places an answer can go. While the
 * request is live, its door's own channel (the slash command's or button's response_url, an
 * ephemeral for a modal, the held message replaced in place); once Slack no longer takes the
 * response_url, or after a takeover in another process, an ephemeral in the channel it came from,
 * or a DM.
 */
import { RespondError, type RespondFn, type types, type webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';

export type Answer = (text: string, blocks?: types.KnownBlock[]) => Promise<void>;

/** Slack takes at most this many posts to one response_url… */
export const RESPONSE_URL_MAX_USES = 5;
/** …within this long after it was issued; past either, it answers 404 (`used_url`, `expired_url`). */
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

export interface ResponseUrlOptions {
  /** Replace the clicked message (`true`), or post a new ephemeral beside it (`false`). */
  replace?: boolean;
  /**
   * Where the answer goes once Slack no longer takes the response_url: used up, older than 30
   * minutes, or refused (`answerInChannel`: an ephemeral in the channel, else a DM). A relay can
   * wait that long for the rate limit or the queue, and its outcome must still be heard.
   */
  fallback: Answer;
  /** The clock the URL's age is read on; its life starts when the answer is made (at the door). */
  now?: () => number;
  /** When Slack issued the URL, on `now`'s clock, if not now: one handed to a worker process. */
  issuedAt?: number;
}

/**
 * A door's response_url as it travels with a send handed to the receiver's forked worker
 * (RELAY_WORKERS=fork, workers/protocol.ts): only the process that took the request knows it, since
 * records never hold one. In memory and over the fork's IPC channel only, never logged; its life
 * runs from `issuedAt` (epoch ms), as Slack's does.
 */
export interface PortableResponseUrl {
  url: string;
  issuedAt: number;
}

/**
 * Posts to a response_url from outside a Bolt listener (a worker process), as Bolt's own
 * `respond` does (@slack/bolt context/create-respond.ts, not exported): JSON over fetch, and a
 * RespondError with Slack's status when it refuses.
 */
export function respondTo(url: string, fetchFn: typeof fetch = globalThis.fetch): RespondFn {
  return async (message) => {
    const body = typeof message === 'string' ? { text: message } : message;
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new RespondError(
        `Failed to respond to the response_url: ${response.status} ${response.statusText}`,
        response.status,
      );
    }
    return response;
  };
}

/**
 * Through the response_url of a slash command or a button: a new ephemeral, or the clicked message
 * replaced. Uses are counted and the URL's age kept, so an answer Slack would refuse (the 6th, or
 * one after 30 minutes) goes straight to the fallback; a post that fails anyway (404 `expired_url`
 * or `used_url`, or no answer) goes there too, and a 404 retires the URL for later answers.
 */
export function answerByResponseUrl(respond: RespondFn, options: ResponseUrlOptions): Answer {
  const now = options.now ?? Date.now;
  const issuedAt = options.issuedAt ?? now();
  let uses = 0;
  let gone = false;
  return async (text, blocks) => {
    const usable = !gone && uses < RESPONSE_URL_MAX_USES && now() - issuedAt < RESPONSE_URL_LIFETIME_MS;
    if (usable) {
      uses += 1;
      try {
        await respond({
          response_type: 'ephemeral',
          ...(options.replace !== undefined ? { replace_original: options.replace } : {}),
          text,
          ...(blocks ? { blocks } : {}),
        });
        return;
      } catch (error) {
        // Bolt's RespondError carries Slack's HTTP status; 404 is Slack's "this URL is done".
        if (error instanceof RespondError && error.statusCode === 404) gone = true;
      }
    }
    await options.fallback(text, blocks);
  };
}

/**
 * A door's answer rebuilt in the forked worker that carries its work out (RELAY_WORKERS=fork): the
 * door's response_url while Slack takes it (its uses and 30 minutes counted from the door), then an
 * ephemeral in `channelId`, else a DM to `userId`.
 */
export function answerAtPortableUrl(
  client: webApi.WebClient,
  logger: Pick<Logger, 'error'>,
  responseUrl: PortableResponseUrl,
  to: { channelId: string | undefined; userId: string },
  replace?: boolean,
): Answer {
  return answerByResponseUrl(respondTo(responseUrl.url), {
    ...(replace !== undefined ? { replace } : {}),
    fallback: answerInChannel(client, logger, to.channelId, to.userId),
    issuedAt: responseUrl.issuedAt,
  });
}

/**
 * An ephemeral in the channel; a DM where the bot cannot post there, or with no channel at all
 * (no response_url at hand: modal submissions, takeovers, a response_url Slack no longer takes).
 * Never throws: a lost answer is logged.
 */
export function answerInChannel(
  client: webApi.WebClient,
  logger: Pick<Logger, 'error'>,
  channelId: string | undefined,
  userId: string,
): Answer {
  return async (text, blocks) => {
    try {
      if (channelId === undefined) throw new Error('no channel to answer in');
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

/** After a failure inside fx-bridge once a relay may have reached Fxiaoke (relay/error-text.ts). */
export { internalErrorWhileRelayingText as internalErrorText } from '../../relay/error-text.js';
