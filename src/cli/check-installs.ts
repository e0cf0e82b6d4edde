/**
 * `fx-bridge check` in install mode: the store is opened and every installation must open with
 * FX_BRIDGE_SECRET_KEY (as the bridge checks before it serves anyone); then, per workspace (the
 * first WORKSPACES_TRIED), its bot token is tried with `auth.test` and its Fxiaoke tenant, once
 * connected, with one token fetch. Nothing is sent; no token or secret is printed.
 */
import type { Config } from '../config.js';
import { checkTenant } from '../fxiaoke/tenant-check.js';
import type { StoredInstallation } from '../installs/port.js';
import { InstallationVault } from '../installs/vault.js';
import { secretBoxOf } from '../secrets/secret-box.js';
import { slackWebClient } from '../slack/api/web-client.js';
import { installationsOf, openStore } from '../store/index.js';
import { type CheckLine, formatCheckReport } from './format.js';
import { type CliIo, EXIT, type ExitCode } from './io.js';

export async function runInstallCheck(io: CliIo, config: Config): Promise<ExitCode> {
  const installs = config.installs;
  if (!installs) throw new Error('runInstallCheck needs install mode');
  const lines: CheckLine[] = [
    {
      name: 'configuration',
      outcome: 'pass',
      detail: 'install mode (HTTP): workspaces install at /slack/install',
    },
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
      const vault = new InstallationVault(installationsOf(store), box);
      const { seen, failures } = await vault.unreadable();
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
      if (failures.length === 0) lines.push(...(await workspaceLines(vault, config)));
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
  io.out(formatCheckReport(lines));
  return lines.every((line) => line.outcome !== 'fail') ? EXIT.ok : EXIT.failed;
}

/** Workspaces tried by one check: each costs a Slack call and a Fxiaoke token fetch. */
const WORKSPACES_TRIED = 50;
/** One token fetch per tenant, as the connect form's check. */
const TENANT_CHECK_MS = 5_000;

/** Per workspace: its bot token with `auth.test`, its tenant (once connected) with one token fetch. */
async function workspaceLines(vault: InstallationVault, config: Config): Promise<CheckLine[]> {
  const installations = await vault.store.list(undefined, WORKSPACES_TRIED + 1);
  const lines: CheckLine[] = [];
  for (const stored of installations.slice(0, WORKSPACES_TRIED)) {
    lines.push(await slackLine(vault, config, stored), await fxiaokeLine(vault, stored));
  }
  if (installations.length > WORKSPACES_TRIED) {
    lines.push({
      name: 'more workspaces',
      outcome: 'skipped',
      detail: `only the first ${WORKSPACES_TRIED} were tried (fx-bridge workspaces list shows them all)`,
    });
  }
  return lines;
}

async function slackLine(
  vault: InstallationVault,
  config: Config,
  stored: StoredInstallation,
): Promise<CheckLine> {
  const name = `${stored.key} Slack auth.test`;
  const opened = (await vault.openSlack(stored.key)) as { bot?: { token?: string } } | undefined;
  const token = opened?.bot?.token;
  if (!token)
    return { name, outcome: 'fail', detail: 'no bot token stored: install the app again in that workspace' };
  try {
    const answer = await slackWebClient(token, config.slack.apiUrl, { retries: 'none' }).auth.test();
    return {
      name,
      outcome: 'pass',
      detail: `bot ${answer.user_id ?? '?'} in ${answer.team ?? stored.teamName ?? '?'}`,
    };
  } catch (error) {
    // Slack's error code only (invalid_auth, token_revoked…), never the token.
    const code = (error as { data?: { error?: unknown } }).data?.error;
    return { name, outcome: 'fail', detail: typeof code === 'string' ? code : 'Slack could not be reached' };
  }
}

async function fxiaokeLine(vault: InstallationVault, stored: StoredInstallation): Promise<CheckLine> {
  const name = `${stored.key} Fxiaoke token`;
  const tenant = await vault.tenantOf(stored.key);
  if (!tenant) return { name, outcome: 'skipped', detail: 'not connected (App Home → Connect Fxiaoke)' };
  const checked = await checkTenant(tenant, TENANT_CHECK_MS);
  if (checked.ok) return { name, outcome: 'pass', detail: `${tenant.appId} at ${tenant.baseUrl}` };
  const code = checked.errorCode === undefined ? '' : `, code ${checked.errorCode}`;
  const trace = checked.traceId === undefined ? '' : `, traceId ${checked.traceId}`;
  return {
    name,
    outcome: 'fail',
    detail: `${checked.meaning}${code}${trace} (${tenant.appId} at ${tenant.baseUrl})`,
  };
}
