/** Telling one user something privately where no response_url is at hand (modal submissions). */
import type { types, webApi } from '@slack/bolt';
import type { ListenerContext } from './context.js';

/** Ephemeral in the channel; a DM where the bot cannot post there. Never throws. */
export async function tellUser(
  client: webApi.WebClient,
  ctx: ListenerContext,
  channelId: string,
  userId: string,
  text: string,
  blocks?: types.KnownBlock[],
): Promise<void> {
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
      ctx.logger.error({ err: error, user: userId }, 'could not tell the user about their relay');
    }
  }
}
