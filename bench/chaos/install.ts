/**
 * `npm run chaos -- --install`: the campaign against bridges in install mode. The Slack app is
 * installed in the requests' workspace and that workspace is connected to the emulator's tenant,
 * written to the store before any replica starts (as OAuth and Connect Fxiaoke would have); every
 * request then goes through the install app, its authorization and its routing to the workspace's
 * own bridge. The workspace's installer is a user the plan never acts as, so nobody becomes an
 * admin the single-workspace run would not have.
 */
import { randomBytes } from 'node:crypto';
import type { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { BOT_ID, BOT_USER_ID, TEAM_ID } from '../../dev/fakes/slack-requests.js';
import { InstallationVault } from '../../src/installs/vault.js';
import { secretBoxOf } from '../../src/secrets/secret-box.js';
import { installationsOf } from '../../src/store/index.js';
import type { StoreBackend } from './world.js';

/** The run's FX_BRIDGE_SECRET_KEY: the installation is sealed with it before the replicas start. */
const SECRET_KEY = randomBytes(32).toString('base64');

export async function installWorkspace(backend: StoreBackend, emulator: FxiaokeEmulator): Promise<void> {
  const store = await backend.open();
  try {
    const vault = new InstallationVault(
      installationsOf(store),
      secretBoxOf({ secretKey: SECRET_KEY, oldSecretKey: undefined }),
    );
    await vault.saveSlack({
      team: { id: TEAM_ID, name: 'Chaos' },
      isEnterpriseInstall: false,
      bot: { id: BOT_ID, userId: BOT_USER_ID, token: `xoxb-chaos-${randomBytes(6).toString('hex')}` },
      user: { id: 'U0CHAOSINSTALLER' },
    });
    const connected = await vault.connectFxiaoke(`T:${TEAM_ID}`, {
      baseUrl: emulator.url,
      appId: emulator.options.appId,
      appSecret: emulator.options.appSecret,
      permanentCode: emulator.options.permanentCode,
      // As the single-workspace run's FXIAOKE_USER_ID.
      userId: '1000',
      ...(emulator.options.serviceIds[0] ? { serviceId: emulator.options.serviceIds[0] } : {}),
    });
    if (!connected) throw new Error('the chaos workspace could not be connected');
  } finally {
    await store.close();
  }
}

/** A replica's environment in install mode: OAuth settings and the key, no bot token or tenant. */
export function installEnv(env: Record<string, string>, emulator: FxiaokeEmulator): Record<string, string> {
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
    SLACK_CLIENT_SECRET: 'chaos-client-secret',
    SLACK_STATE_SECRET: 'chaos-state-secret-0123456789abcdef',
    FX_BRIDGE_SECRET_KEY: SECRET_KEY,
    FXIAOKE_ALLOWED_BASE_URLS: emulator.url,
  };
}
