/**
 * An installed, connected workspace written straight to a store, as Slack's OAuth and App Home's
 * Connect Fxiaoke would have left it, and the environment of a bridge process in install mode.
 * For tests and the fault campaign that start bridge processes (no vitest here: bench/ uses it).
 */
import type { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { BOT_ID, BOT_USER_ID } from '../../dev/fakes/slack-requests.js';
import { InstallationVault } from '../../src/installs/vault.js';
import { secretBoxOf } from '../../src/secrets/secret-box.js';
import { installationsOf } from '../../src/store/index.js';
import type { RelayStore } from '../../src/store/interface.js';

export interface WorkspaceSetup {
  teamId: string;
  /** FX_BRIDGE_SECRET_KEY the installation is sealed with. */
  secretKey: string;
  /** The tenant it connects: the emulator's app, credentials and first service account. */
  emulator: FxiaokeEmulator;
  installerUserId?: string;
}

/** Installs the Slack app in `teamId` and connects it to the emulator's tenant, in `store`. */
export async function installAndConnect(store: RelayStore, setup: WorkspaceSetup): Promise<void> {
  const { teamId, emulator } = setup;
  const vault = new InstallationVault(
    installationsOf(store),
    secretBoxOf({ secretKey: setup.secretKey, oldSecretKey: undefined }),
  );
  await vault.saveSlack({
    team: { id: teamId, name: teamId },
    isEnterpriseInstall: false,
    bot: { id: BOT_ID, userId: BOT_USER_ID, token: `xoxb-${teamId}-installed` },
    user: { id: setup.installerUserId ?? 'U0INSTALLER' },
  });
  const connected = await vault.connectFxiaoke(`T:${teamId}`, {
    baseUrl: emulator.url,
    appId: emulator.options.appId,
    appSecret: emulator.options.appSecret,
    permanentCode: emulator.options.permanentCode,
    // As the single-workspace processes' FXIAOKE_USER_ID.
    userId: '1000',
    ...(emulator.options.serviceIds[0] ? { serviceId: emulator.options.serviceIds[0] } : {}),
  });
  if (!connected) throw new Error(`${teamId} could not be connected`);
}

/** A single-workspace process environment turned into install mode's: OAuth settings, no bot token or tenant. */
export function installModeEnv(
  env: Record<string, string>,
  secretKey: string,
  allowedBaseUrls: readonly string[],
): Record<string, string> {
  const {
    SLACK_BOT_TOKEN: _token,
    FXIAOKE_BASE_URL: _base,
    FXIAOKE_APP_ID: _app,
    FXIAOKE_APP_SECRET: _secret,
    FXIAOKE_PERMANENT_CODE: _code,
    FXIAOKE_SERVICE_ID: _service,
    FXIAOKE_USER_ID: _user,
    ...rest
  } = env;
  return {
    ...rest,
    SLACK_CLIENT_ID: '1234567890.1234567890',
    SLACK_CLIENT_SECRET: 'client-secret-of-installed-processes',
    SLACK_STATE_SECRET: 'state-secret-of-installed-processes-0123456789',
    FX_BRIDGE_SECRET_KEY: secretKey,
    FXIAOKE_ALLOWED_BASE_URLS: allowedBaseUrls.join(','),
  };
}
