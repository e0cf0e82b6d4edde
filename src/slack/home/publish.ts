/**
 * Publishes a user's App Home: on app_home_opened, and after each send or revoke by a user who has
 * opened it (home/viewers.ts), so the tab is current whenever they look. Best effort: a Home that
 * cannot be published never fails the relay it follows.
 */
import type { webApi } from '@slack/bolt';
import type { ListenerContext } from '../context.js';
import { AUDIT_ON_HOME, sectionStates, settingsHomeBlocks } from '../settings/view.js';
import { HOME_LIMIT, homeView } from './view.js';

export async function publishHome(
  ctx: ListenerContext,
  client: webApi.WebClient,
  userId: string,
  notice?: string,
): Promise<void> {
  try {
    const [{ admin, records }, header] = await Promise.all([
      ctx.relay.listFor(userId, HOME_LIMIT),
      ctx.homeHeader?.(client, userId) ?? [],
    ]);
    // Settings and their audit list: for admins only; nobody else sees anything of them.
    const settings =
      ctx.settings?.isAdmin(userId) === true
        ? settingsHomeBlocks(
            sectionStates(ctx.settings),
            // A store that cannot list the changes just now costs the list, not the whole Home.
            await ctx.settings.audit(AUDIT_ON_HOME).catch((error: unknown) => {
              ctx.logger.warn({ err: error }, 'settings audit could not be read for the App Home');
              return undefined;
            }),
          )
        : undefined;
    const view = homeView(records, { userId, admin, notice, ...(settings ? { settings } : {}) });
    await client.views.publish({ user_id: userId, view: { ...view, blocks: [...header, ...view.blocks] } });
  } catch (error) {
    ctx.logger.warn({ err: error, user: userId }, 'App Home could not be published');
  }
}

/**
 * After a send or revoke: republishes the Home of a user who has it open. A `notice` is the answer
 * of a click made in the Home itself, so that user is looking at it.
 */
export async function refreshHome(
  ctx: ListenerContext,
  client: webApi.WebClient,
  userId: string,
  notice?: string,
): Promise<void> {
  if (notice !== undefined) ctx.homeViewers?.opened(userId);
  else if (ctx.homeViewers && !ctx.homeViewers.looksAtHome(userId)) return;
  await publishHome(ctx, client, userId, notice);
}
