/** `fx-bridge secrets rotate`: every installation's secrets sealed again with the current key. */
import type { Config } from '../config.js';
import { InstallationVault } from '../installs/vault.js';
import { keyIdOf, readSecretKey, SecretBoxError, secretBoxOf } from '../secrets/secret-box.js';
import { installationsOf, openStore } from '../store/index.js';
import { type CliIo, EXIT, type ExitCode } from './io.js';

export async function runSecretsRotate(io: CliIo, config: Config): Promise<ExitCode> {
  const installs = config.installs;
  if (!installs) {
    io.err(
      'fx-bridge secrets rotate: only install mode stores secrets (SLACK_CLIENT_ID, FX_BRIDGE_SECRET_KEY, no SLACK_BOT_TOKEN)',
    );
    return EXIT.config;
  }
  const box = secretBoxOf(installs);
  const store = await openStore(config.storeUrl, {
    redisKeyPrefix: config.redisKeyPrefix,
    postgres: config.postgres,
  });
  try {
    const report = await new InstallationVault(installationsOf(store), box).rotate();
    io.out(
      `${report.resealed} of ${report.seen} installation${report.seen === 1 ? '' : 's'} sealed again with key id ${box.keyId}` +
        ` (FX_BRIDGE_SECRET_KEY); ${report.seen - report.resealed} already were.`,
    );
    const old = installs.oldSecretKey ? readSecretKey(installs.oldSecretKey) : undefined;
    if (old && 'key' in old) {
      io.out(
        `Nothing is sealed with key id ${keyIdOf(old.key)} any more: FX_BRIDGE_OLD_SECRET_KEY can be removed.`,
      );
    }
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    io.err(`fx-bridge secrets rotate: ${error.message}`);
    return EXIT.failed;
  } finally {
    await store.close();
  }
}
