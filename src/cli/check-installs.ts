/**
 * `fx-bridge check` in install mode: the bot token and the Fxiaoke tenant are each workspace's, so
 * those lines are not tried; instead the store is opened and every installation must open with
 * FX_BRIDGE_SECRET_KEY (as the bridge checks before it serves anyone).
 */
import type { Config } from '../config.js';
import { InstallationVault } from '../installs/vault.js';
import { secretBoxOf } from '../secrets/secret-box.js';
import { installationsOf, openStore } from '../store/index.js';
import { type CheckLine, formatCheckReport } from './format.js';
import { type CliIo, EXIT, type ExitCode } from './io.js';

export async function runInstallCheck(io: CliIo, config: Config): Promise<ExitCode> {
  const installs = config.installs;
  if (!installs) throw new Error('runInstallCheck needs install mode');
  const perWorkspace = 'not tried: each workspace has its own (fx-bridge workspaces list)';
  const lines: CheckLine[] = [
    {
      name: 'configuration',
      outcome: 'pass',
      detail: 'install mode (HTTP): workspaces install at /slack/install',
    },
    { name: 'Fxiaoke token', outcome: 'skipped', detail: perWorkspace },
  ];
  const box = secretBoxOf(installs);
  try {
    const store = await openStore(config.storeUrl, {
      redisKeyPrefix: config.redisKeyPrefix,
      postgres: config.postgres,
    });
    try {
      await store.ping();
      lines.push({ name: 'relay store', outcome: 'pass', detail: 'opened and answered' });
      const { seen, failures } = await new InstallationVault(installationsOf(store), box).unreadable();
      lines.push(
        failures.length === 0
          ? {
              name: 'installations',
              outcome: 'pass',
              detail: `${seen}, every one opens with FX_BRIDGE_SECRET_KEY (key id ${box.keyId})`,
            }
          : {
              name: 'installations',
              outcome: 'fail',
              detail: `${failures.length} of ${seen} do not open with FX_BRIDGE_SECRET_KEY (key id ${box.keyId}), the first: ${failures[0]?.key}`,
            },
      );
    } finally {
      await store.close().catch(() => undefined);
    }
  } catch (error) {
    lines.push({
      name: 'relay store',
      outcome: 'fail',
      detail: error instanceof Error ? error.message : String(error),
    });
  }
  lines.push({ name: 'Slack auth.test', outcome: 'skipped', detail: perWorkspace });
  io.out(formatCheckReport(lines));
  return lines.every((line) => line.outcome !== 'fail') ? EXIT.ok : EXIT.failed;
}
