/** `app_home_opened`: publish the user's App Home (their recent relays; everyone's for admins). */
import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerContext } from '../../context.js';
import { publishHome } from '../../home/publish.js';

export function appHomeOpened(ctx: ListenerContext) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    // The same event fires for the Messages tab, which shows the bot's DMs, not the Home view.
    if (event.tab !== undefined && event.tab !== 'home') return;
    ctx.homeViewers?.opened(event.user);
    await ctx.work.run(() => publishHome(ctx, client, event.user));
  };
}

export function registerAppHomeOpened(app: App, ctx: ListenerContext): void {
  app.event('app_home_opened', appHomeOpened(ctx));
}
