/**
 * `fx-bridge audit` and `fx-bridge settings export`: who changed the settings in App Home, and the
 * settings in force (the config file with what admins set in Slack) written out as a config file.
 * In install mode each workspace has its own (`--workspace <team id>`).
 */
import { writeFileSync } from 'node:fs';
import type { FileConfig } from '../config/file.js';
import type { Config } from '../config.js';
import { effectiveSettings, settingsYaml, workspaceFile } from '../settings/effective.js';
import { WORKSPACE_SCOPE } from '../settings/port.js';
import { settingsOf } from '../settings/store.js';
import { installationsOf } from '../store/index.js';
import type { RelayStore } from '../store/interface.js';
import { type CliIo, EXIT, type ExitCode, UsageError } from './io.js';
import { withStore } from './relays.js';
import { workspaceKey } from './workspaces.js';

/**
 * Whose settings: the one workspace's in the single-workspace mode; in install mode the workspace
 * named by `--workspace` (required there), with the file its settings start from.
 */
async function scopeOf(
  config: Config,
  store: RelayStore,
  workspace: string | undefined,
  command: string,
): Promise<{ scope: string; file: FileConfig }> {
  if (!config.installs) {
    if (workspace !== undefined)
      throw new UsageError(`${command} --workspace is for install mode only`, `fx-bridge ${command} --help`);
    return { scope: WORKSPACE_SCOPE, file: config.file };
  }
  if (workspace === undefined) {
    throw new UsageError(
      `in install mode each workspace has its own settings: name one with --workspace <team id> (fx-bridge workspaces list)`,
      `fx-bridge ${command} --help`,
    );
  }
  const key = workspaceKey(workspace);
  const installation = await installationsOf(store).find(key);
  return { scope: key, file: workspaceFile(config.file, installation ?? {}) };
}

/** One line per change, newest first: when (UTC), who (a Slack user id), the section, before → after. */
export async function runAudit(
  io: CliIo,
  config: Config,
  limit: number,
  workspace?: string,
): Promise<ExitCode> {
  const entries = await withStore(config, async (store) => {
    const { scope } = await scopeOf(config, store, workspace, 'audit');
    return settingsOf(store).audit(scope, limit);
  });
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
  workspace?: string,
): Promise<ExitCode> {
  const { stored, file } = await withStore(config, async (store) => {
    const { scope, file } = await scopeOf(config, store, workspace, 'settings export');
    return { stored: await settingsOf(store).read(scope), file };
  });
  const { settings, problems } = effectiveSettings(file, stored.overrides);
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
