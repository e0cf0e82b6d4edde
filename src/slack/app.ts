/** Builds the Bolt app in HTTP or Socket Mode, with a short Web API retry policy and our listeners. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  App,
  buildReceiverRoutes,
  type CustomRoute,
  HTTPReceiver,
  type Receiver,
  type ReceiverEvent,
  SocketModeReceiver,
  webApi,
} from '@slack/bolt';
import type { Config } from '../config.js';
import type { RelayWorkQueue } from '../relay/work-queue.js';
import { resolveBotIdentityPatiently } from './auth-retry.js';
import { boltLogger } from './bolt-logger.js';
import type { ListenerContext } from './context.js';
import { HomeViewers } from './home-viewers.js';
import { RelayJobs, type TakeoverObserver } from './jobs/relay-jobs.js';
import { registerListeners } from './listeners/index.js';
import { explainSocketStartError } from './socket-errors.js';
import { enableSocketHandover, type SocketHandover } from './socket-handover.js';
import { verifySignaturesFirst } from './verified-receiver.js';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackAppOptions {
  slack: Config['slack'];
  port: number;
  /** Everything listeners share; `jobs` is built here, over the app's own client and `queue`. */
  context: Omit<ListenerContext, 'jobs'> & { queue: RelayWorkQueue; takeovers?: TakeoverObserver };
  customRoutes: CustomRoute[];
  /** Skips auth.test at start-up (tests, and operators who know their bot ids). */
  botId?: string;
  botUserId?: string;
  /** Told how long each request took from reaching the app to its ack (metrics). */
  onAck?: (type: string, seconds: number) => void;
}

export interface SlackApp {
  app: App;
  /** Relay work after acks, and takeovers of work other processes left. */
  jobs: RelayJobs;
  /** Starts listening; resolves with the HTTP port actually bound. */
  start(): Promise<number>;
  /** Whether Slack can reach the app: always in HTTP mode; in Socket Mode, while a socket is up. */
  isConnected(): boolean;
  stop(): Promise<void>;
}

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

export class SlackAuthError extends Error {
  readonly code = 'slack_auth_failed';
  constructor(readonly reason: string) {
    super(
      `Slack did not accept SLACK_BOT_TOKEN (auth.test: ${reason}). Check the token and SLACK_API_URL, and that Slack is reachable.`,
    );
    this.name = 'SlackAuthError';
  }
}

/**
 * Bolt calls auth.test from its constructor when it does not know the bot's ids, and a failure
 * there is an unhandled rejection that kills the process with a bare stack trace. Asking first
 * turns a bad token or an unreachable Slack into one clear start-up error.
 */
export async function resolveBotIdentity(
  slack: Config['slack'],
): Promise<{ botId: string; botUserId: string }> {
  const client = new webApi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    retryConfig: SLACK_RETRY_CONFIG,
    timeout: 10_000,
    logLevel: webApi.LogLevel.ERROR,
  });
  let result: webApi.AuthTestResponse;
  try {
    result = await client.auth.test();
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    throw new SlackAuthError(code ?? (error instanceof Error ? error.message : 'request failed'));
  }
  if (!result.bot_id || !result.user_id) throw new SlackAuthError('the token is not a bot token');
  return { botId: result.bot_id, botUserId: result.user_id };
}

/**
 * Socket Mode's HTTP server for `customRoutes`. Bolt's SocketModeReceiver starts its own without
 * waiting for it or listening for its errors: a port in use became an uncaught EADDRINUSE after
 * start-up had succeeded, and PORT=0 bound a port nobody could learn. Same routing as Bolt for our
 * static paths (exact path, method, else 404).
 */
function customRoutesServer(customRoutes: CustomRoute[]): Server {
  const routes = buildReceiverRoutes(customRoutes);
  return createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const handler = routes[pathname]?.[(req.method ?? 'GET').toUpperCase()];
    if (handler) {
      handler(req, res);
      return;
    }
    res.writeHead(404);
    res.end();
  });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

/** Payload types that label the ack histogram; anything else is `other`, so labels stay few. */
const ACK_TYPES = new Set([
  'block_actions',
  'block_suggestion',
  'message_action',
  'shortcut',
  'view_submission',
  'view_closed',
  'event_callback',
]);

export function ackType(body: Record<string, unknown>): string {
  if (typeof body.command === 'string') return 'slash_command';
  return typeof body.type === 'string' && ACK_TYPES.has(body.type) ? body.type : 'other';
}

/**
 * Ack latency, measured around Bolt's own ack. A global middleware cannot do it: Bolt hands each
 * middleware a copy of the listener arguments, so an `ack` wrapped there never reaches the
 * listener. Both receivers deliver every request through `app.processEvent`, so the clock starts
 * there (after the HTTP receiver has checked the signature) and stops when ack() has answered.
 */
function timeAcks(app: App, onAck: (type: string, seconds: number) => void): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event: ReceiverEvent) => {
    const started = performance.now();
    const type = ackType(event.body);
    let timed = false;
    const ack: ReceiverEvent['ack'] = async (response) => {
      try {
        return await event.ack(response);
      } finally {
        if (!timed) {
          timed = true;
          onAck(type, (performance.now() - started) / 1000);
        }
      }
    };
    return processEvent({ ...event, ack });
  };
}

export async function createSlackApp(options: SlackAppOptions): Promise<SlackApp> {
  const { slack, context } = options;
  const identity =
    options.botId && options.botUserId
      ? { botId: options.botId, botUserId: options.botUserId }
      : await resolveBotIdentityPatiently(slack, context.logger, {
          retryForMs: slack.startupRetrySeconds * 1000,
        });
  const logger = boltLogger(context.logger);
  let receiver: HTTPReceiver | SocketModeReceiver;
  let handover: SocketHandover | undefined;
  if (slack.mode === 'http') {
    receiver = new HTTPReceiver({
      signingSecret: slack.signingSecret ?? '',
      endpoints: SLACK_EVENTS_PATH,
      customRoutes: options.customRoutes,
      logger,
      // Ack first, work after: Slack's 3-second clock stops at ack(), not at the end of our work.
      processBeforeResponse: false,
    });
    // Signature and timestamp before the body is parsed; then only JSON objects reach Bolt.
    verifySignaturesFirst(receiver, {
      signingSecret: slack.signingSecret ?? '',
      log: context.logger,
      path: SLACK_EVENTS_PATH,
    });
  } else {
    // customRoutes are served by customRoutesServer(), not by the receiver.
    receiver = new SocketModeReceiver({
      appToken: slack.appToken ?? '',
      // The Socket Mode client has its own Web API client (apps.connections.open): same base URL.
      installerOptions: { clientOptions: { slackApiUrl: slack.apiUrl } },
      logger,
    });
    handover = enableSocketHandover(receiver.client, {
      appToken: slack.appToken ?? '',
      slackApiUrl: slack.apiUrl,
      log: context.logger,
      clientLogger: logger,
    });
  }
  const app = new App({
    token: slack.botToken,
    receiver: receiver as Receiver,
    logger,
    botId: identity.botId,
    botUserId: identity.botUserId,
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: SLACK_RETRY_CONFIG, timeout: 10_000 },
  });
  app.error(async (error) => {
    context.logger.error({ err: error }, 'unhandled error in a Slack listener');
  });
  if (options.onAck) timeAcks(app, options.onAck);
  const homeViewers = context.homeViewers ?? new HomeViewers();
  // The jobs answer through listeners' context and the listeners hand work to the jobs: one object.
  const shared = { ...context, homeViewers };
  const full: ListenerContext = {
    ...shared,
    get jobs() {
      return jobs;
    },
  };
  const jobs = new RelayJobs(full, app.client, context.queue, context.takeovers);
  registerListeners(app, full);

  let routesServer: Server | undefined;
  return {
    app,
    jobs,
    async start() {
      if (receiver instanceof HTTPReceiver) {
        const httpServer = await receiver.start(options.port);
        const address = httpServer.address();
        return typeof address === 'object' && address ? address.port : options.port;
      }
      // Bind the port first, so a port in use fails the start before the socket connects.
      const server = customRoutesServer(options.customRoutes);
      const port = await listen(server, options.port);
      try {
        await app.start();
      } catch (error) {
        await close(server).catch(() => undefined);
        throw explainSocketStartError(error);
      }
      routesServer = server;
      return port;
    },
    isConnected: () => handover?.isConnected() ?? true,
    async stop() {
      await handover?.stop();
      await app.stop();
      const server = routesServer;
      routesServer = undefined;
      if (server) await close(server);
    },
  };
}
