/**
 * Publishes a user's App Home: on app_home_opened and after each send or revoke by them, so the
 * tab is current whenever they look. Best effort: a Home that cannot be published never fails
 * the relay it follows.
 */
import type { webApi } from '@slack/bolt';
import type { ListenerContext } from './context.js';
import { HOME_LIMIT, homeView } from './home.js';

export async function publishHome(
  ctx: ListenerContext,
  client: webApi.WebClient,
  userId: string,
  notice?: string,
): Promise<void> {
  try {
    const admin = ctx.relay.settings.admins.includes(userId);
    const records = admin
      ? await ctx.relay.store.listRecent(HOME_LIMIT)
      : await ctx.relay.store.listBySender(userId, HOME_LIMIT);
    await client.views.publish({ user_id: userId, view: homeView(records, { userId, admin, notice }) });
  } catch (error) {
    ctx.logger.warn({ err: error, user: userId }, 'App Home could not be published');
  }
}
