/**
 * `npm run chaos -- --install`: the campaign against bridges in install mode. The Slack app is
 * installed in the requests' workspace and that workspace is connected to the emulator's tenant,
 * written to the store before any replica starts (test/e2e/install-setup.ts); every request then
 * goes through the install app, its authorization and its routing to the workspace's own bridge.
 * The workspace's installer is a user the plan never acts as, so nobody becomes an admin the
 * single-workspace run would not have.
 */
import { randomBytes } from 'node:crypto';
import type { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { TEAM_ID } from '../../dev/fakes/slack-requests.js';
import { installAndConnect, installModeEnv } from '../../test/e2e/install-setup.js';
import type { StoreBackend } from './world.js';

/** The run's FX_BRIDGE_SECRET_KEY: the installation is sealed with it before the replicas start. */
const SECRET_KEY = randomBytes(32).toString('base64');

export async function installWorkspace(backend: StoreBackend, emulator: FxiaokeEmulator): Promise<void> {
  const store = await backend.open();
  try {
    await installAndConnect(store, {
      teamId: TEAM_ID,
      secretKey: SECRET_KEY,
      emulator,
      installerUserId: 'U0CHAOSINSTALLER',
    });
  } finally {
    await store.close();
  }
}

/** A replica's environment in install mode. */
export function installEnv(env: Record<string, string>, emulator: FxiaokeEmulator): Record<string, string> {
  return installModeEnv(env, SECRET_KEY, [emulator.url]);
}
