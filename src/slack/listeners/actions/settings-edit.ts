/**
 * App Home's Edit button of a settings section (`fx_settings_edit`, value = the section): opens the
 * modal with the section in force as YAML. Admins only; a click from anyone else (a forged
 * payload: they never see the button) opens nothing.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { isSettingsSection } from '../../../settings/port.js';
import type { ListenerContext } from '../../context.js';
import { SETTINGS_EDIT_ACTION_ID, settingsModal } from '../../settings/view.js';
import type { ButtonArgs } from './cancel-held.js';

export function settingsEdit(ctx: ListenerContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const settings = ctx.settings;
    const section = action.value ?? '';
    const userId = body.user.id;
    if (!settings || !isSettingsSection(section) || !settings.isAdmin(userId)) {
      ctx.logger.warn({ user: userId, section }, 'settings edit refused: not an fx-bridge admin');
      return;
    }
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: settingsModal(section, settings.section(section).yaml),
      });
    } catch (error) {
      ctx.logger.warn({ err: error, user: userId, section }, 'settings modal could not be opened');
    }
  };
}

export function registerSettingsEdit(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(SETTINGS_EDIT_ACTION_ID, settingsEdit(ctx));
}
