/**
 * Install mode's own doors. A connected workspace's requests go to its own sending bridge
 * (routing.ts); what reaches these doors is from a workspace not connected yet — answered that
 * nothing was sent and how to connect, never with another workspace's tenant — or from one whose
 * bridge could not be set up just now. Connecting: connect-listeners.ts. `app_uninstalled` and
 * `tokens_revoked` delete the workspace's tokens at once; its relays stay in the store
 * (retention), for a reinstall to find.
 */
import type { App } from '@slack/bolt';
import type { InstallationVault } from '../../installs/vault.js';
import { type ConnectDeps, keyOf, publishHome, registerConnectListeners } from './connect-listeners.js';
import { NOT_CONNECTED, TENANT_UNAVAILABLE } from './texts.js';

/** What /fx-send and the shortcuts answer here: how to connect, or that the connection is not usable now. */
async function notSending(vault: InstallationVault, key: string): Promise<string> {
  return (await vault.find(key))?.fxiaoke ? TENANT_UNAVAILABLE : NOT_CONNECTED;
}

export function registerInstallListeners(app: App, deps: ConnectDeps): void {
  const { vault, logger } = deps;
  app.command('/fx-send', async ({ ack, context }) => {
    await ack({ response_type: 'ephemeral', text: await notSending(vault, keyOf(context)) });
  });

  app.shortcut(/.*/, async ({ ack, shortcut, respond, context }) => {
    await ack();
    if ('response_url' in shortcut) {
      await respond({ response_type: 'ephemeral', text: await notSending(vault, keyOf(context)) });
    }
  });

  app.event('app_home_opened', async ({ event, client, context }) => {
    if (event.tab !== 'home') return;
    await publishHome(client, deps, keyOf(context), event.user);
  });
  registerConnectListeners(app, deps);

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
