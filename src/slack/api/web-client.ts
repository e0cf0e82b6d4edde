/**
 * Every Slack Web API client of the bridge is made here, so each one has the app's settings: the
 * token, SLACK_API_URL (GovSlack, tests), the short retry policy, a deadline and the logger. Bolt's
 * own client takes the same options (`slackClientOptions`), and the Socket Mode clients theirs.
 */
import { webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { boltLogger } from '../bolt-logger.js';

/**
 * The Web API client defaults to 10 retries over ~30 minutes, longer than a response_url lives
 * and long enough to post a receipt twice. Three quick tries, then a clear failure.
 */
export const SLACK_RETRY_CONFIG = {
  retries: 2,
  factor: 2,
  minTimeout: 300,
  maxTimeout: 2_000,
  randomize: true,
};

/** One Web API call is given up after this long. */
const SLACK_CALL_TIMEOUT_MS = 10_000;

export interface SlackClientOptions {
  /** Where the client logs, as Bolt's does; without one it logs only its errors, on its own. */
  logger?: Logger;
  /** `short` (default): SLACK_RETRY_CONFIG; `none`: one try, for `fx-bridge check`, which reports what it sees. */
  retries?: 'short' | 'none';
}

export function slackClientOptions(
  apiUrl: string,
  options: SlackClientOptions = {},
): webApi.WebClientOptions {
  return {
    slackApiUrl: apiUrl,
    retryConfig: options.retries === 'none' ? { retries: 0 } : SLACK_RETRY_CONFIG,
    timeout: SLACK_CALL_TIMEOUT_MS,
    ...(options.logger ? { logger: boltLogger(options.logger) } : { logLevel: webApi.LogLevel.ERROR }),
  };
}

/** A Web API client for `token` (the bot token, or the app token for apps.connections.open). */
export function slackWebClient(
  token: string,
  apiUrl: string,
  options?: SlackClientOptions,
): webApi.WebClient {
  return new webApi.WebClient(token, slackClientOptions(apiUrl, options));
}

/** A Web API client with no token, for install mode's `oauth.v2.access` (the app's client id and secret). */
export function slackClientWithoutToken(apiUrl: string, options?: SlackClientOptions): webApi.WebClient {
  return new webApi.WebClient(undefined, slackClientOptions(apiUrl, options));
}

/**
 * The Web API options of a Socket Mode client (apps.connections.open): only the base URL. It keeps
 * its own retry policy (many quick retries), which a reconnect needs; ours would cut it short.
 */
export function socketModeClientOptions(apiUrl: string): webApi.WebClientOptions {
  return { slackApiUrl: apiUrl };
}

/** Where a workspace's bot token is read each time (install mode): rotated tokens are picked up. */
export type BotTokenSource = () => Promise<string>;

/**
 * A Web API client of one installed workspace (install mode), for what runs apart from a request —
 * receipts, takeovers, App Home refreshes, people and file lookups: each call without a token of
 * its own is made with the workspace's current bot token, read from `token` (the installation
 * store, which refreshes a rotating token before it expires).
 */
export class InstallationWebClient extends webApi.WebClient {
  readonly #token: BotTokenSource;

  constructor(token: BotTokenSource, apiUrl: string, options?: SlackClientOptions) {
    super(undefined, slackClientOptions(apiUrl, options));
    this.#token = token;
  }

  override async apiCall(method: string, options: Record<string, unknown> = {}) {
    if (options.token) return super.apiCall(method, options);
    return super.apiCall(method, { ...options, token: await this.#token() });
  }
}
