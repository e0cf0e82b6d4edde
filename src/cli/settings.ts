/**
 * `fx-bridge audit` and `fx-bridge settings export`: who changed the settings in App Home, and the
 * settings in force (the config file with what admins set in Slack) written out as a config file.
 */
import { writeFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { effectiveSettings, settingsYaml } from '../settings/effective.js';
import { WORKSPACE_SCOPE } from '../settings/port.js';
import { settingsOf } from '../settings/store.js';
import { openStore } from '../store/index.js';
import type { RelayStore } from '../store/interface.js';
import { type CliIo, EXIT, type ExitCode } from './io.js';

async function withStore<T>(config: Config, use: (store: RelayStore) => Promise<T>): Promise<T> {
  const store = await openStore(config.storeUrl, {
    redisKeyPrefix: config.redisKeyPrefix,
    postgres: config.postgres,
  });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** One line per change, newest first: when (UTC), who (a Slack user id), the section, before → after. */
export async function runAudit(io: CliIo, config: Config, limit: number): Promise<ExitCode> {
  const entries = await withStore(config, (store) => settingsOf(store).audit(WORKSPACE_SCOPE, limit));
  if (entries.length === 0) {
    io.out('No settings were changed in Slack.');
    return EXIT.ok;
  }
  for (const entry of entries) {
    const when = `${new Date(entry.at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
    io.out(`${when}  ${entry.userId}  ${entry.section}  ${entry.summary}`);
  }
  return EXIT.ok;
}

/**
 * The settings in force as YAML: given as FX_BRIDGE_CONFIG, the file yields the same settings. To
 * stdout, or to `out` (then a line on stderr says where, and which sections came from Slack).
 */
export async function runSettingsExport(
  io: CliIo,
  config: Config,
  out: string | undefined,
): Promise<ExitCode> {
  const stored = await withStore(config, (store) => settingsOf(store).read(WORKSPACE_SCOPE));
  const { settings, problems } = effectiveSettings(config.file, stored.overrides);
  if (problems.length > 0) {
    io.err(
      `The settings set in Slack do not fit the config file, so the config file alone is in force and is written:\n  ${problems.join('\n  ')}`,
    );
  }
  const yaml = `# fx-bridge settings, exported ${new Date().toISOString()}: the config file with the sections set in Slack.\n${settingsYaml(settings)}`;
  if (out === undefined) {
    io.out(yaml);
    return EXIT.ok;
  }
  writeFileSync(out, yaml);
  const fromSlack = problems.length > 0 ? [] : Object.keys(stored.overrides);
  io.err(
    `Wrote ${out}${fromSlack.length > 0 ? ` (set in Slack: ${fromSlack.join(', ')})` : ' (nothing is set in Slack)'}.`,
  );
  return EXIT.ok;
}
