/**
 * Submission of a settings section (`fx_settings_modal`): checked as the config file is; a problem
 * comes back inline on the field with the file's message and nothing is stored; a valid section is
 * stored with its audit entry before the ack, so a store that fails is said inline too; then the
 * admin's Home is published again. A submission from someone who is not an admin is refused.
 */
import type { App, SlackViewAction } from '@slack/bolt';
import { isSettingsSection } from '../../../settings/port.js';
import type { ListenerContext } from '../../context.js';
import { publishHome } from '../../home/publish.js';
import { SETTINGS_MODAL_CALLBACK_ID, SETTINGS_YAML_BLOCK } from '../../settings/view.js';
import type { ViewArgs } from './compose-submission.js';

/** Slack shows an inline error of a few lines; the first problems say enough. */
const PROBLEMS_SHOWN = 5;

export function settingsSubmission(ctx: ListenerContext) {
  return async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const inline = (text: string) =>
      ack({ response_action: 'errors', errors: { [SETTINGS_YAML_BLOCK]: text.slice(0, 1900) } });
    const settings = ctx.settings;
    const section = view.private_metadata;
    const userId = body.user.id;
    if (!settings || !isSettingsSection(section)) {
      await inline('These settings cannot be changed here.');
      return;
    }
    const text = view.state.values[SETTINGS_YAML_BLOCK]?.[SETTINGS_YAML_BLOCK]?.value ?? '';
    let outcome: Awaited<ReturnType<typeof settings.save>>;
    try {
      outcome = await settings.save(section, text, userId);
    } catch (error) {
      ctx.logger.warn({ err: error, user: userId, section }, 'settings could not be stored');
      await inline('The settings could not be stored just now; nothing changed. Try again in a moment.');
      return;
    }
    switch (outcome.type) {
      case 'refused':
        ctx.logger.warn({ user: userId, section }, 'settings change refused: not an fx-bridge admin');
        await inline('Only fx-bridge admins may change these settings; nothing changed.');
        return;
      case 'invalid': {
        const shown = outcome.problems.slice(0, PROBLEMS_SHOWN);
        const more = outcome.problems.length - shown.length;
        await inline([...shown, ...(more > 0 ? [`… and ${more} more`] : [])].join('\n'));
        return;
      }
      case 'conflict':
        await inline('Other admins changed the settings meanwhile; nothing changed. Try again.');
        return;
      case 'unchanged':
        await ack();
        return;
      case 'saved':
        await ack();
        ctx.logger.info({ user: userId, section, summary: outcome.summary }, 'settings changed in Slack');
        await ctx.work.run(() => publishHome(ctx, client, userId));
    }
  };
}

export function registerSettingsSubmission(app: App, ctx: ListenerContext): void {
  app.view<SlackViewAction>(SETTINGS_MODAL_CALLBACK_ID, settingsSubmission(ctx));
}
