/**
 * Connect Fxiaoke (install mode): the App Home button opens the form for the installer and the
 * workspace's admins; on submit the credentials must get a token from Fxiaoke (one try, inside
 * Slack's 3 s), else the refusal is shown on the form with Fxiaoke's code and traceId and nothing
 * is kept. A workspace's tenant is kept sealed on its own installation, and only that workspace's
 * requests ever read it.
 */
import type { App, Context, webApi } from '@slack/bolt';
import type { TenantCheck } from '../../fxiaoke/tenant-check.js';
import { installationKey } from '../../installs/port.js';
import type { FxiaokeTenant, InstallationVault } from '../../installs/vault.js';
import type { Logger } from '../../logger.js';
import {
  CONNECT_ACTION,
  CONNECT_MODAL,
  connectModal,
  FIELDS,
  homeView,
  readConnectForm,
} from './connect-view.js';

export interface ConnectDeps {
  vault: InstallationVault;
  allowedBaseUrls: readonly string[];
  checkTenant: (tenant: FxiaokeTenant) => Promise<TenantCheck>;
  logger: Logger;
}

export function keyOf(context: Context): string {
  return installationKey({
    isEnterpriseInstall: context.isEnterpriseInstall,
    enterpriseId: context.enterpriseId,
    teamId: context.teamId,
  });
}

/** The installer, or a workspace admin or owner (users.info), may connect Fxiaoke. */
export async function mayConnect(
  client: webApi.WebClient,
  vault: InstallationVault,
  key: string,
  userId: string,
): Promise<boolean> {
  const installation = await vault.find(key);
  if (installation?.installerUserId === userId) return true;
  try {
    const { user } = await client.users.info({ user: userId });
    return Boolean(user?.is_admin || user?.is_owner || user?.is_primary_owner);
  } catch {
    // Unknown to Slack, or Slack away: not shown as an admin, so no form is offered or taken.
    return false;
  }
}

export async function publishHome(
  client: webApi.WebClient,
  deps: ConnectDeps,
  key: string,
  userId: string,
): Promise<void> {
  const installation = await deps.vault.find(key);
  const connected = installation?.fxiaoke;
  await client.views.publish({
    user_id: userId,
    view: homeView({
      connected: connected ? { baseUrl: connected.baseUrl, appId: connected.appId } : undefined,
      canConnect: await mayConnect(client, deps.vault, key, userId),
    }),
  });
}

export function registerConnectListeners(app: App, deps: ConnectDeps): void {
  const { vault, logger } = deps;

  app.action(CONNECT_ACTION, async ({ ack, body, client, context }) => {
    await ack();
    if (!('trigger_id' in body) || !(await mayConnect(client, vault, keyOf(context), body.user.id))) return;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: connectModal(deps.allowedBaseUrls),
    });
  });

  app.view(CONNECT_MODAL, async ({ ack, body, view, client, context }) => {
    const key = keyOf(context);
    const form = readConnectForm(view.state.values, deps.allowedBaseUrls);
    if ('errors' in form) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    if (!(await mayConnect(client, vault, key, body.user.id))) {
      await ack({
        response_action: 'errors',
        errors: { [FIELDS.appId]: 'Only workspace admins may connect Fxiaoke.' },
      });
      return;
    }
    const check = await deps.checkTenant(form.tenant);
    if (!check.ok) {
      const code = check.errorCode === undefined ? '' : `, code ${check.errorCode}`;
      const trace = check.traceId === undefined ? '' : `, traceId ${check.traceId}`;
      await ack({
        response_action: 'errors',
        errors: {
          [FIELDS.appSecret]: `Fxiaoke refused these credentials: ${check.meaning}${code}${trace}. Nothing was kept.`,
        },
      });
      return;
    }
    if (!(await vault.connectFxiaoke(key, form.tenant))) {
      await ack({
        response_action: 'errors',
        errors: { [FIELDS.appId]: 'fx-bridge is no longer installed here.' },
      });
      return;
    }
    await ack();
    logger.info(
      { installation: key, appId: form.tenant.appId, baseUrl: form.tenant.baseUrl },
      'Fxiaoke connected',
    );
    await publishHome(client, deps, key, body.user.id);
  });
}
