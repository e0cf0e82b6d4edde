/**
 * The Bolt app of install mode (HTTP only): Bolt's OAuth support — InstallProvider with our
 * installation store (no file store) and our one-time signed state — serves `GET /slack/install`
 * and `GET /slack/oauth_redirect`, and authorizes every request with its team's (or org's) token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  App,
  type CustomRoute,
  HTTPModuleFunctions,
  HTTPReceiver,
  type ReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import type { Config, InstallSettings } from '../../config.js';
import { checkTenant } from '../../fxiaoke/tenant-check.js';
import type { InstallationVault } from '../../installs/vault.js';
import type { Logger } from '../../logger.js';
import { SecretBoxError } from '../../secrets/secret-box.js';
import { slackClientOptions, slackClientWithoutToken } from '../api/web-client.js';
import { boltLogger } from '../bolt-logger.js';
import { verifySignaturesFirst } from '../receiver/verified.js';
import { type ConnectDeps, keyOf } from './connect-listeners.js';
import {
  InstallationUnavailableError,
  NotInstalledError,
  VaultInstallationStore,
} from './installation-store.js';
import { registerInstallListeners } from './listeners.js';
import { installFailure, installSuccess } from './pages.js';
import { type RoutedTenant, RoutingReceiver, routeToTenants } from './routing.js';
import { INSTALL_BOT_SCOPES } from './scopes.js';
import { SignedOnceStateStore } from './state-store.js';
import { INSTALLATION_UNAVAILABLE, NOT_INSTALLED, UNREADABLE_INSTALLATION } from './texts.js';
import { TokenRefresher } from './token-refresh.js';

export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';
const EVENTS_PATH = '/slack/events';
/** The connect form's token check: Slack waits 3 s for the form's answer, the store write comes after. */
const CONNECT_CHECK_MS = 2_000;
/** Bolt's ErrorCode.AuthorizationError: authorize found no installation it could use. */
const AUTHORIZATION_ERROR = 'slack_bolt_authorization_error';

export interface InstallAppOptions {
  slack: Config['slack'];
  installs: InstallSettings;
  port: number;
  vault: InstallationVault;
  logger: Logger;
  customRoutes: CustomRoute[];
  /** Bolt's installation store over the vault; default: one with its own token refresher. */
  installationStore?: VaultInstallationStore;
  /** Whether a workspace's Fxiaoke credentials get a token; default: ask Fxiaoke (tenant-check.ts). */
  checkTenant?: ConnectDeps['checkTenant'];
  /**
   * A connected workspace's own app, by installation key (bridge-tenants.ts); undefined until it
   * has connected Fxiaoke. Its requests go there (routing.ts); without this, nothing is sent.
   */
  tenants?: (key: string) => Promise<RoutedTenant | undefined>;
}

export interface InstallApp {
  app: App;
  start(): Promise<number>;
  stop(): Promise<void>;
}

export function createInstallApp(options: InstallAppOptions): InstallApp {
  const { slack, installs, vault, logger } = options;
  const clientOptions = slackClientOptions(slack.apiUrl, { logger });
  const receiver = new HTTPReceiver({
    signingSecret: slack.signingSecret ?? '',
    endpoints: EVENTS_PATH,
    customRoutes: options.customRoutes,
    logger: boltLogger(logger),
    processBeforeResponse: false,
    clientId: installs.clientId,
    clientSecret: installs.clientSecret,
    installationStore:
      options.installationStore ??
      new VaultInstallationStore(
        vault,
        new TokenRefresher({
          vault,
          client: slackClientWithoutToken(slack.apiUrl, { logger }),
          clientId: installs.clientId,
          clientSecret: installs.clientSecret,
          logger,
        }),
      ),
    scopes: [...INSTALL_BOT_SCOPES],
    installerOptions: {
      installPath: INSTALL_PATH,
      redirectUriPath: REDIRECT_PATH,
      // Straight to Slack's authorize page: no page of ours to click through first.
      directInstall: true,
      stateVerification: true,
      stateStore: new SignedOnceStateStore(installs.stateSecret, vault),
      clientOptions,
      callbackOptions: { success: installSuccess, failure: installFailure },
    },
    processEventErrorHandler: (args) => answerRefused(args, logger),
  });
  verifySignaturesFirst(receiver, {
    signingSecret: slack.signingSecret ?? '',
    log: logger,
    path: EVENTS_PATH,
  });
  const installer = receiver.installer;
  if (!installer) throw new Error('install mode needs the HTTPReceiver to run Slack OAuth');
  // The installer authorizes each request with its team's (or org's) installation, as Bolt would
  // on its own; given explicitly because the RoutingReceiver around it has no installer.
  const app = new App({
    receiver: new RoutingReceiver(receiver),
    authorize: installer.authorize,
    logger: boltLogger(logger),
    clientOptions,
  });
  app.error(async (error) => {
    // Thrown on to the receiver, whose answerRefused tells the sender why (Bolt would ack silently).
    if (error.code === AUTHORIZATION_ERROR) throw error;
    logger.error({ err: error }, 'unhandled error in a Slack listener (install mode)');
  });
  const tenants = options.tenants;
  if (tenants) app.use(routeToTenants(tenants, keyOf, logger));
  registerInstallListeners(app, {
    vault,
    logger,
    allowedBaseUrls: installs.allowedBaseUrls,
    checkTenant: options.checkTenant ?? ((tenant) => checkTenant(tenant, CONNECT_CHECK_MS)),
  });
  return {
    app,
    async start() {
      const server = await receiver.start(options.port);
      const address = server.address();
      return typeof address === 'object' && address ? address.port : options.port;
    },
    stop: () => app.stop().then(() => undefined),
  };
}

/** The cause under Bolt's and the installer's AuthorizationErrors. */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth += 1) {
    const original = (current as { original?: unknown } | undefined)?.original;
    if (original === undefined) return current;
    current = original;
  }
  return current;
}

/**
 * A request Bolt could not authorize: a team with no installation, or one whose installation does
 * not open with FX_BRIDGE_SECRET_KEY. A slash command is answered in words in the ack; a shortcut
 * or button, through the response_url its payload carries (no token needed); anything else is
 * acknowledged (200, so Slack does not retry it) and nothing is done.
 */
async function answerRefused(args: ReceiverProcessEventErrorHandlerArgs, logger: Logger): Promise<boolean> {
  const { error, request, response } = args;
  if (response.headersSent || (error as { code?: unknown }).code !== AUTHORIZATION_ERROR) {
    return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
  }
  const text = refusalOf(rootCause(error), logger);
  if (isSlashCommand(request)) {
    respondJson(response, { response_type: 'ephemeral', text });
  } else {
    response.writeHead(200);
    response.end();
    const responseUrl = interactionResponseUrl(request);
    if (responseUrl) void tellThroughResponseUrl(responseUrl, text, logger);
  }
  return true;
}

/**
 * What a refused request is told, by why it was refused: no installation; one the secret key does
 * not open; or a store that did not answer (the team may well be installed: never told otherwise).
 */
function refusalOf(cause: unknown, logger: Logger): string {
  if (cause instanceof SecretBoxError) {
    logger.error(
      { code: cause.code, reason: cause.message },
      'an installation does not open with FX_BRIDGE_SECRET_KEY',
    );
    return UNREADABLE_INSTALLATION;
  }
  if (cause instanceof NotInstalledError) {
    logger.warn({ installation: cause.key }, 'request from a team with no installation refused');
    return NOT_INSTALLED;
  }
  const key = cause instanceof InstallationUnavailableError ? cause.key : undefined;
  logger.error(
    { installation: key, reason: cause instanceof Error ? cause.message : String(cause) },
    'a request could not be authorized: its installation could not be read',
  );
  return INSTALLATION_UNAVAILABLE;
}

/** The response_url of a signed shortcut or button payload (a modal submission has none). */
function interactionResponseUrl(request: IncomingMessage): string | undefined {
  const raw = (request as IncomingMessage & { rawBody?: Buffer }).rawBody;
  const payload = raw && new URLSearchParams(raw.toString('utf8')).get('payload');
  if (!payload) return undefined;
  try {
    const url = (JSON.parse(payload) as { response_url?: unknown }).response_url;
    return typeof url === 'string' && /^https?:\/\//.test(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Posts the refusal as an ephemeral answer; a failure is logged, never thrown (the ack was sent). */
async function tellThroughResponseUrl(url: string, text: string, logger: Logger): Promise<void> {
  try {
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
      signal: AbortSignal.timeout(5_000),
    });
    if (!answer.ok)
      logger.warn({ status: answer.status }, 'the refusal could not be posted to the response_url');
  } catch (error) {
    // The reason only: a response_url lets anyone post to the channel, so it is never logged.
    logger.warn(
      { reason: error instanceof Error ? error.name : 'unknown' },
      'the refusal could not be posted to the response_url',
    );
  }
}

function isSlashCommand(request: IncomingMessage): boolean {
  const raw = (request as IncomingMessage & { rawBody?: Buffer }).rawBody;
  return raw !== undefined && new URLSearchParams(raw.toString('utf8')).has('command');
}

function respondJson(response: ServerResponse, body: object): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
