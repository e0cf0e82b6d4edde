/** Builds the Bolt app in HTTP or Socket Mode, with a short Web API retry policy and our listeners. */
import type { Server } from 'node:http';
import {
  App,
  type Authorize,
  type CustomRoute,
  HTTPReceiver,
  type Receiver,
  SocketModeReceiver,
  type webApi,
} from '@slack/bolt';
import type { Config } from '../config.js';
import { closeServer, customRoutesServer, listen } from '../http/server.js';
import type { RelayWorkQueue } from '../relay/work-queue.js';
import { resolveBotIdentityPatiently } from './api/auth-retry.js';
import { slackClientOptions, socketModeClientOptions } from './api/web-client.js';
import { boltLogger } from './bolt-logger.js';
import type { ListenerContext } from './context.js';
import { HomeViewers } from './home/viewers.js';
import type { HandOff } from './jobs/port.js';
import { RelayJobs, type TakeoverObserver } from './jobs/relay-jobs.js';
import { registerListeners } from './listeners/index.js';
import { AckTimingReceiver } from './receiver/ack-timing.js';
import { RecordBeforeAckReceiver } from './receiver/record-before-ack.js';
import { explainSocketStartError } from './receiver/socket-errors.js';
import { enableSocketHandover, type SocketHandover } from './receiver/socket-handover.js';
import { verifySignaturesFirst } from './receiver/verified.js';

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
  /** RELAY_WORKERS fork|none: accepted sends go to the workers (jobs/relay-jobs.ts). */
  handOff?: HandOff;
  /**
   * Install mode: one workspace's app inside the install app (bridge-tenant.ts). Its
   * requests come through `receiver`, verified and routed there by the install app, each
   * authorized by `authorize`; work after the ack uses `client` (the workspace's current token).
   * No transport or port of its own, and the bot ids are given (no auth.test).
   */
  embedded?: { receiver: Receiver; authorize: Authorize<boolean>; client: webApi.WebClient };
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

export { ackType } from './receiver/ack-timing.js';

/** Bolt's receiver for the transport SLACK_MODE names, with what it needs around it. */
function transportReceiver(options: SlackAppOptions): {
  receiver: HTTPReceiver | SocketModeReceiver;
  handover?: SocketHandover;
} {
  const { slack, context } = options;
  const logger = boltLogger(context.logger);
  if (slack.mode === 'http') {
    const receiver = new HTTPReceiver({
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
    return { receiver };
  }
  // customRoutes are served by customRoutesServer(), not by the receiver.
  const receiver = new SocketModeReceiver({
    appToken: slack.appToken ?? '',
    // The Socket Mode client has its own Web API client (apps.connections.open): same base URL.
    installerOptions: { clientOptions: socketModeClientOptions(slack.apiUrl) },
    logger,
  });
  const handover = enableSocketHandover(receiver.client, {
    appToken: slack.appToken ?? '',
    slackApiUrl: slack.apiUrl,
    log: context.logger,
    clientLogger: logger,
  });
  return { receiver, handover };
}

export async function createSlackApp(options: SlackAppOptions): Promise<SlackApp> {
  const { slack, context } = options;
  const embedded = options.embedded;
  // An embedded app's bot ids come with each request's authorization (install mode).
  const identity =
    embedded || (options.botId && options.botUserId)
      ? { botId: options.botId, botUserId: options.botUserId }
      : await resolveBotIdentityPatiently(slack, context.logger, {
          retryForMs: slack.startupRetrySeconds * 1000,
        });
  const logger = boltLogger(context.logger);
  const { receiver, handover }: { receiver: Receiver; handover?: SocketHandover } = embedded
    ? { receiver: embedded.receiver }
    : transportReceiver(options);
  // Outermost the ack timing, so it measures what a door records before the ack too.
  const recording = new RecordBeforeAckReceiver(receiver);
  const app = new App({
    ...(embedded
      ? { authorize: embedded.authorize }
      : { token: slack.botToken, botId: identity.botId, botUserId: identity.botUserId }),
    receiver: options.onAck ? new AckTimingReceiver(recording, options.onAck) : recording,
    logger,
    // Bolt sets the client's logger to its own (the same pino logger).
    clientOptions: slackClientOptions(slack.apiUrl, { logger: context.logger }),
  });
  app.error(async (error) => {
    context.logger.error({ err: error }, 'unhandled error in a Slack listener');
  });
  const homeViewers = context.homeViewers ?? new HomeViewers();
  // The jobs answer through listeners' context and the listeners hand work to the jobs: one object.
  const shared = { ...context, homeViewers };
  const full: ListenerContext = {
    ...shared,
    get jobs() {
      return jobs;
    },
  };
  const jobs = new RelayJobs(
    full,
    embedded?.client ?? app.client,
    context.queue,
    context.takeovers,
    options.handOff,
  );
  registerListeners(app, full, recording);

  let routesServer: Server | undefined;
  return {
    app,
    jobs,
    async start() {
      if (embedded) {
        await app.start();
        return 0;
      }
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
        await closeServer(server).catch(() => undefined);
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
      if (server) await closeServer(server);
    },
  };
}
