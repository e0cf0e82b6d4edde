/**
 * Install mode's doors. No workspace has a Fxiaoke tenant yet (connecting from Slack is still to
 * come), so every way to send answers that it is not connected and sends nothing — never with
 * another workspace's tenant. `app_uninstalled` and `tokens_revoked` delete the workspace's tokens
 * at once; its relays stay in the store (retention), for a reinstall to find.
 */
import type { App, Context } from '@slack/bolt';
import { installationKey } from '../../installs/port.js';
import type { InstallationVault } from '../../installs/vault.js';
import type { Logger } from '../../logger.js';
import { HOME_NOT_CONNECTED, NOT_CONNECTED } from './texts.js';

function keyOf(context: Context): string {
  return installationKey({
    isEnterpriseInstall: context.isEnterpriseInstall,
    enterpriseId: context.enterpriseId,
    teamId: context.teamId,
  });
}

export function registerInstallListeners(app: App, vault: InstallationVault, logger: Logger): void {
  app.command('/fx-send', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: NOT_CONNECTED });
  });

  app.shortcut(/.*/, async ({ ack, shortcut, respond }) => {
    await ack();
    if ('response_url' in shortcut) await respond({ response_type: 'ephemeral', text: NOT_CONNECTED });
  });

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await client.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: HOME_NOT_CONNECTED } }],
      },
    });
  });

  app.event('app_uninstalled', async ({ context }) => {
    const key = keyOf(context);
    await vault.remove(key);
    logger.info({ installation: key }, 'app uninstalled: the installation and its tokens are deleted');
  });

  app.event('tokens_revoked', async ({ event, context }) => {
    const key = keyOf(context);
    if ((event.tokens.bot ?? []).length > 0) {
      await vault.remove(key);
      logger.info({ installation: key }, 'bot token revoked: the installation and its tokens are deleted');
      return;
    }
    const revokedUsers = new Set(event.tokens.oauth ?? []);
    await vault.forgetUserToken(key, (userId) => revokedUsers.has(userId));
    logger.info({ installation: key, users: revokedUsers.size }, 'user tokens revoked: deleted');
  });
}
