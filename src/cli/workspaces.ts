/**
 * `fx-bridge workspaces list | connect <team> | disconnect <team>` (install mode): the installed
 * workspaces and their Fxiaoke tenants, headless. Secrets come only from the environment
 * (FXIAOKE_APP_SECRET, FXIAOKE_PERMANENT_CODE), never from the command line, and are never printed.
 */
import type { Config, InstallSettings } from '../config.js';
import { checkTenant } from '../fxiaoke/tenant-check.js';
import type { StoredInstallation } from '../installs/port.js';
import { type FxiaokeTenant, InstallationVault } from '../installs/vault.js';
import { secretBoxOf } from '../secrets/secret-box.js';
import { installationsOf, openStore } from '../store/index.js';
import { type CliIo, EXIT, type ExitCode, UsageError } from './io.js';

export interface ConnectFlags {
  baseUrl: string | undefined;
  appId: string | undefined;
  userId: string | undefined;
  serviceId: string | undefined;
}

const HINT = 'fx-bridge workspaces --help';

/** `T0ONE`, `E0ORG` or the stored form `T:T0ONE` / `E:E0ORG`. */
export function workspaceKey(reference: string): string {
  if (/^[TE]:[A-Z0-9]+$/.test(reference)) return reference;
  if (/^[TE][A-Z0-9]+$/.test(reference)) return `${reference[0]}:${reference}`;
  throw new UsageError(`"${reference}" is not a team id (T…) or an enterprise id (E…)`, HINT);
}

async function withVault<T>(
  config: Config,
  use: (vault: InstallationVault, installs: InstallSettings) => Promise<T>,
): Promise<T | ExitCode> {
  const installs = config.installs;
  if (!installs) {
    return EXIT.config;
  }
  const store = await openStore(config.storeUrl, {
    redisKeyPrefix: config.redisKeyPrefix,
    postgres: config.postgres,
  });
  try {
    return await use(new InstallationVault(installationsOf(store), secretBoxOf(installs)), installs);
  } finally {
    await store.close();
  }
}

function notInstallMode(io: CliIo): ExitCode {
  io.err(
    'fx-bridge workspaces: only install mode has workspaces (SLACK_CLIENT_ID, FX_BRIDGE_SECRET_KEY, no SLACK_BOT_TOKEN)',
  );
  return EXIT.config;
}

function line(installation: StoredInstallation): string {
  const name = installation.teamName ?? '';
  const installed = new Date(installation.installedAt).toISOString().replace(/\.\d+Z$/, 'Z');
  const fx = installation.fxiaoke
    ? `Fxiaoke ${installation.fxiaoke.appId} at ${installation.fxiaoke.baseUrl}`
    : 'Fxiaoke not connected';
  return `${installation.key.padEnd(14)} ${name.padEnd(20)} installed ${installed}  ${fx}`;
}

export async function runWorkspacesList(io: CliIo, config: Config, json: boolean): Promise<ExitCode> {
  if (!config.installs) return notInstallMode(io);
  await withVault(config, async (vault) => {
    const all: StoredInstallation[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await vault.store.list(after, 100);
      all.push(...page);
      if (page.length < 100) break;
      after = page.at(-1)?.key;
    }
    if (json) {
      const shown = all.map(({ slack: _sealed, fxiaoke, version: _v, ...rest }) => ({
        ...rest,
        fxiaoke: fxiaoke
          ? {
              baseUrl: fxiaoke.baseUrl,
              appId: fxiaoke.appId,
              userId: fxiaoke.userId,
              serviceId: fxiaoke.serviceId,
            }
          : null,
      }));
      io.out(JSON.stringify(shown, null, 2));
    } else {
      io.out(all.length === 0 ? 'No workspace has installed fx-bridge.' : all.map(line).join('\n'));
    }
  });
  return EXIT.ok;
}

export async function runWorkspacesDisconnect(
  io: CliIo,
  config: Config,
  reference: string,
): Promise<ExitCode> {
  if (!config.installs) return notInstallMode(io);
  const key = workspaceKey(reference);
  const done = await withVault(config, (vault) => vault.disconnectFxiaoke(key));
  io.out(done === true ? `${key}: Fxiaoke disconnected.` : `${key}: no Fxiaoke tenant was connected.`);
  return done === true ? EXIT.ok : EXIT.failed;
}

export async function runWorkspacesConnect(
  io: CliIo,
  config: Config,
  reference: string,
  flags: ConnectFlags,
): Promise<ExitCode> {
  if (!config.installs) return notInstallMode(io);
  const key = workspaceKey(reference);
  const allowed = config.installs.allowedBaseUrls;
  const baseUrl = flags.baseUrl?.replace(/\/+$/, '') ?? allowed[0];
  if (!baseUrl || !allowed.includes(baseUrl)) {
    throw new UsageError(`--base-url must be one of FXIAOKE_ALLOWED_BASE_URLS: ${allowed.join(', ')}`, HINT);
  }
  if (!flags.appId?.startsWith('FSAID_')) throw new UsageError('--app-id must be an app id, FSAID_…', HINT);
  if (!flags.userId || !/^\d+$/.test(flags.userId))
    throw new UsageError('--user-id must be a numeric employee id', HINT);
  // Read by the configuration like every variable; install mode uses them only here.
  const { appSecret, permanentCode } = config.fxiaoke;
  if (!appSecret || !permanentCode) {
    io.err(
      'fx-bridge workspaces connect: set FXIAOKE_APP_SECRET and FXIAOKE_PERMANENT_CODE in the environment (never on the command line)',
    );
    return EXIT.config;
  }
  const tenant: FxiaokeTenant = {
    baseUrl,
    appId: flags.appId,
    appSecret,
    permanentCode,
    userId: flags.userId,
    ...(flags.serviceId ? { serviceId: flags.serviceId } : {}),
  };
  const check = await checkTenant(tenant, config.fxiaoke.timeoutMs);
  if (!check.ok) {
    io.err(
      `${key}: Fxiaoke refused these credentials: ${check.meaning}` +
        `${check.errorCode === undefined ? '' : `, code ${check.errorCode}`}${check.traceId === undefined ? '' : `, traceId ${check.traceId}`}. Nothing was kept.`,
    );
    return EXIT.failed;
  }
  const done = await withVault(config, (vault) => vault.connectFxiaoke(key, tenant));
  io.out(
    done === true
      ? `${key}: Fxiaoke ${tenant.appId} at ${baseUrl} connected.`
      : `${key}: no such installation.`,
  );
  return done === true ? EXIT.ok : EXIT.failed;
}
