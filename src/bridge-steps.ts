/**
 * The steps of startBridge (bridge.ts), in the order it takes them. Each opens one part of the
 * bridge and adds its closer to `closers`, so a stop, or a start that fails half way, closes what
 * was opened in reverse order.
 */
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import { FxiaokeClient } from './fxiaoke/client.js';
import { FxiaokeDepartments } from './fxiaoke/departments.js';
import { FxiaokeDirectory } from './fxiaoke/directory.js';
import { fxiaokeConnection } from './fxiaoke/from-config.js';
import type { BridgeMetrics } from './http/metrics.js';
import { healthRoutes } from './http/routes.js';
import type { createLogger, Logger } from './logger.js';
import { openPostgresSharedState } from './postgres/fxiaoke-shared-state.js';
import { openRedisDurabilityWatch } from './redis/durability-watch.js';
import { type FxiaokeSharedState, openFxiaokeSharedState } from './redis/fxiaoke-shared-state.js';
import { RedisSendLimiter } from './redis/send-limiter.js';
import { type RelayDeps, type RelaySettings, relayDeps } from './relay/deps.js';
import { relayFacade } from './relay/facade.js';
import { claimHandedOffRelays } from './relay/handoff.js';
import { LoopPressure } from './relay/loop-pressure.js';
import { takeOverOwed } from './relay/owed.js';
import { InProcessSendLimiter, type SendRateLimiter } from './relay/send-rate.js';
import { takeOverAbandoned } from './relay/takeover.js';
import { RelayWorkQueue } from './relay/work-queue.js';
import type { SettingsAdmin } from './settings/editor.js';
import { SlackFileDownloader } from './slack/api/files.js';
import { type SlackLookups, slackLookups } from './slack/api/lookups.js';
import type { SlackProfileCache } from './slack/api/profiles.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import { InFlightWork } from './slack/jobs/in-flight.js';
import type { HandOff } from './slack/jobs/port.js';
import type { RelayJobs } from './slack/jobs/relay-jobs.js';
import type { StoreDurabilityStatus } from './store/durability.js';
import { StoreConfigurationError, StoreOpenError } from './store/errors.js';
import { openStore, parseStoreUrl } from './store/index.js';
import type { RelayStore } from './store/interface.js';
import { isSharedStore } from './store/location.js';
import type { Closers } from './util/closers.js';

export interface BridgeOptions {
  logDestination?: DestinationStream;
  /** Skip auth.test at start-up (tests). */
  botId?: string;
  botUserId?: string;
  /** How long a stop waits for relays under way (default 25 s, inside Docker's 30 s grace). */
  drainTimeoutMs?: number;
  /** Backoff sleeps in the Fxiaoke client (tests make them instant). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** How often a Redis store is looked at for lost keys (default 5 s; tests shorten it). */
  durabilityCheckEveryMs?: number;
}

/** What the steps share: the configuration, the start's options, logs and metrics. */
export interface Wiring {
  config: Config;
  options: BridgeOptions;
  logger: Logger;
  scrubber: ReturnType<typeof createLogger>['scrubber'];
  metrics: BridgeMetrics;
}

/**
 * A Redis store that evicts keys is refused here, before anything is written to it (unless
 * REDIS_ALLOW_EVICTION=true); one that persists nothing is warned about; while the bridge runs, lost
 * keys are looked for (redis/durability-watch.ts). Other stores: nothing to watch.
 */
export async function openStoreDurability(
  { config, options, logger }: Wiring,
  closers: Closers,
): Promise<(() => StoreDurabilityStatus) | undefined> {
  const location = parseStoreUrl(config.storeUrl);
  if (location.kind !== 'redis') return undefined;
  const watch = await openRedisDurabilityWatch({
    url: location.url,
    keyPrefix: config.redisKeyPrefix,
    allowEviction: config.redisAllowEviction,
    log: logger.child({ component: 'redis-durability' }),
    ...(options.durabilityCheckEveryMs ? { everyMs: options.durabilityCheckEveryMs } : {}),
  }).catch((error: unknown) => {
    // A Redis that evicts is refused as it is; one that cannot be reached is named like openRelayStore's.
    throw error instanceof StoreConfigurationError ? error : new StoreOpenError(config.storeUrl, error);
  });
  closers.add(() => watch.close());
  return () => watch.status();
}

/** Every store call goes through the metrics wrapper, so failures count in fxbridge_store_errors_total. */
export async function openRelayStore(
  { config, options, metrics }: Wiring,
  closers: Closers,
): Promise<RelayStore> {
  const opened = await openStore(config.storeUrl, {
    now: options.now,
    redisKeyPrefix: config.redisKeyPrefix,
    postgres: config.postgres,
  }).catch((error: unknown) => {
    // Named by STORE_URL and the place, and a configuration problem for the exit code.
    throw new StoreOpenError(config.storeUrl, error);
  });
  const store = metrics.instrumentStore(opened);
  closers.add(() => store.close());
  return store;
}

/**
 * Fxiaoke rate budget and token: shared by the replicas through Redis when the store is Redis (own
 * connection, same key prefix), through PostgreSQL when it is PostgreSQL (own pool, same database).
 * On a SQLite file the budget is shared through the file (own connection) by the processes on it,
 * the token kept in this process; on memory both are this process's. Closed after the client on stop.
 */
export async function openSharedFxiaokeState(
  { config, options, metrics }: Wiring,
  closers: Closers,
): Promise<FxiaokeSharedState> {
  const fx = config.fxiaoke;
  const fxShared =
    parseStoreUrl(config.storeUrl).kind === 'postgres'
      ? await openPostgresSharedState({
          url: config.storeUrl,
          settings: config.postgres,
          rateLimit: fx.rateLimit,
          authMode: fx.authMode,
          appId: fx.appId,
        })
      : await openFxiaokeSharedState({
          storeUrl: config.storeUrl,
          keyPrefix: config.redisKeyPrefix,
          rateLimit: fx.rateLimit,
          authMode: fx.authMode,
          appId: fx.appId,
          now: options.now,
        });
  closers.add(() => fxShared.close());
  metrics.trackRateLimitQueue(() => fxShared.rateLimiter.queueDepth());
  return fxShared;
}

export function openFxiaokeClient(
  { config, options, logger, scrubber, metrics }: Wiring,
  closers: Closers,
  fxShared: FxiaokeSharedState,
): FxiaokeClient {
  const fx = config.fxiaoke;
  const fxiaoke = new FxiaokeClient({
    ...fxiaokeConnection(fx),
    retry: { maxRetries: fx.maxRetries },
    now: options.now,
    sleep: options.sleep,
    rateLimiter: fxShared.rateLimiter,
    tokenCache: fxShared.tokenCache,
    onQueued: (info) => logger.debug({ fxiaoke: info }, 'Fxiaoke call queued for the rate limit'),
    onToken: (token, source) => {
      scrubber.add(token);
      // A token another replica fetched is learnt for scrubbing but was no call of ours.
      if (source === 'fetched') metrics.observeTokenFetch();
      logger.info({ authMode: fx.authMode, source }, 'Fxiaoke token issued');
    },
    onCall: (event) => {
      metrics.observeFxiaokeCall(event);
      logger.debug({ fxiaoke: event }, 'Fxiaoke call');
    },
  });
  closers.add(() => fxiaoke.close());
  return fxiaoke;
}

/**
 * Per-user send limit (limits.sendsPerUserPerMinute): shared like the Fxiaoke state (PostgreSQL, or
 * its Redis connection) when it is, so a user's sends count across replicas; in this process
 * otherwise; 0: none.
 */
export function openSendLimiter(
  { config, options }: Wiring,
  fxShared: FxiaokeSharedState,
): SendRateLimiter | undefined {
  const sendsPerMinute = config.file.limits.sendsPerUserPerMinute;
  if (sendsPerMinute === 0) return undefined;
  if (fxShared.newSendLimiter) return fxShared.newSendLimiter(sendsPerMinute);
  if (fxShared.connection) {
    return new RedisSendLimiter({
      redis: fxShared.connection.redis,
      secrets: fxShared.connection.secrets,
      keyPrefix: config.redisKeyPrefix,
      limit: sendsPerMinute,
    });
  }
  return new InProcessSendLimiter({ limit: sendsPerMinute, ...(options.now ? { now: options.now } : {}) });
}

/** What differs between the bridge's relay deps and an installed workspace's (bridge-tenant.ts). */
export interface RelayParts {
  store: RelayStore;
  fxiaoke: FxiaokeClient;
  sendLimiter: SendRateLimiter | undefined;
  /** Slack profiles, user groups, links and messages, over the workspace's Web API client. */
  lookups: SlackLookups;
  /** The bot token for file downloads: the bridge's, or where a workspace's is read. */
  botToken: string | (() => Promise<string>);
  log: Logger;
  /** Who this process is among the lease owners (RELAY_WORKERS: a receiver and its workers). */
  identity: Partial<Pick<RelayDeps, 'instanceId' | 'exclusiveStore' | 'siblings'>>;
  /** Install mode: the workspace's installation key, for the metrics' `tenant` label. */
  tenant?: string;
  /** The settings in force (settings/live.ts: the file with what admins set in Slack); default the file. */
  settings?: RelaySettings;
}

/** The relay's dependencies: people, files, the per-user send limit, leases, the observer. */
export function assembleRelayDeps(
  { config, options, metrics }: Wiring,
  parts: RelayParts,
): { deps: RelayDeps; profiles: SlackProfileCache; abandonWrites: () => void } {
  const { fxiaoke, log } = parts;
  // People: the Fxiaoke address book (recipient typeahead, mentions mapped by e-mail and phone,
  // departed recipients caught before sending). Loaded on first use; it, phone lookups and Slack
  // profiles are cached for PEOPLE_CACHE_TTL_SECONDS.
  const people = new FxiaokeDirectory({
    client: fxiaoke,
    ttlMs: config.peopleCacheTtlSeconds * 1000,
    departmentId: config.fxiaoke.directoryDepartmentId,
    ...(config.fxiaoke.employeeIdField ? { employeeIdField: config.fxiaoke.employeeIdField } : {}),
    log: log.child({ component: 'directory' }),
    ...(options.now ? { now: options.now } : {}),
  });
  // Departments (`dept:…` recipients): the list and each one's people, cached like the address book;
  // the typeahead counts members from the address book's copy.
  const departments = new FxiaokeDepartments({
    client: fxiaoke,
    ttlMs: config.peopleCacheTtlSeconds * 1000,
    ...(config.fxiaoke.employeeIdField ? { employeeIdField: config.fxiaoke.employeeIdField } : {}),
    memberships: () => people.activeMemberships(),
    log: log.child({ component: 'departments' }),
    ...(options.now ? { now: options.now } : {}),
  });
  // Files of relayed messages: downloaded with the bot token, only from Slack's hosts or the
  // configured Web API's origin (a proxy, the tests' fake Slack).
  const files = new SlackFileDownloader({
    botToken: parts.botToken,
    maxBytes: config.slack.fileMaxBytes,
    trustedOrigins: [new URL(config.slack.apiUrl).origin],
  });
  // Slack profiles (mentions mapped by e-mail and phone) and user groups (access.send.userGroups).
  const { profiles, groupMembers, links, messages } = parts.lookups;
  let writesAbandoned = false;
  const deps = relayDeps({
    store: parts.store,
    leaseMs: config.work.leaseSeconds * 1000,
    // SQLite and memory belong to this process alone: any other lease there is a dead process's.
    exclusiveStore: !isSharedStore(parseStoreUrl(config.storeUrl)),
    resumeLimitMs: config.work.resumeLimitSeconds * 1000,
    intakeTimeoutMs: config.work.intakeTimeoutMs,
    writesAbandoned: () => writesAbandoned,
    fxiaoke,
    people,
    departments,
    profiles,
    groupMembers,
    files,
    links,
    messages,
    settings: parts.settings ?? config.file,
    sendLimiter: parts.sendLimiter,
    log,
    observer: {
      relayFinished: (status, record) =>
        metrics.observeRelayFinished(status, record, (options.now ?? Date.now)()),
      revokeFinished: (outcome) => metrics.observeRevoke(outcome, parts.tenant),
    },
    ...(options.now ? { now: options.now } : {}),
    ...parts.identity,
  });
  return {
    deps,
    profiles,
    abandonWrites: () => {
      writesAbandoned = true;
    },
  };
}

/** The single-workspace bridge's relay deps: its store, its Fxiaoke client, its bot token. */
export function openRelayDeps(
  wiring: Wiring,
  store: RelayStore,
  fxiaoke: FxiaokeClient,
  fxShared: FxiaokeSharedState,
  /** Who this process is among the lease owners (RELAY_WORKERS: a receiver and its workers). */
  identity: Partial<Pick<RelayDeps, 'instanceId' | 'exclusiveStore' | 'siblings'>> = {},
  /** The settings in force (settings/live.ts: the file with what admins set in Slack); default the file. */
  settings: RelaySettings = wiring.config.file,
): { deps: RelayDeps; profiles: SlackProfileCache; abandonWrites: () => void } {
  const { config, logger } = wiring;
  return assembleRelayDeps(wiring, {
    store,
    fxiaoke,
    sendLimiter: openSendLimiter(wiring, fxShared),
    lookups: slackLookups(config.slack, logger, config.peopleCacheTtlSeconds * 1000),
    botToken: config.slack.botToken,
    log: logger,
    identity,
    settings,
  });
}

/** Relay work after acks; its closer lets relays under way finish, then gives up held-back writes. */
export function openRelayWork(
  { config, logger, metrics }: Wiring,
  closers: Closers,
  drain: { ms: number; abandonWrites: () => void },
  /** False in a worker process: no acks wait for its loop, so relays never give way to them. */
  acksHere = true,
): { work: InFlightWork; queue: RelayWorkQueue } {
  const work = new InFlightWork();
  // Acks first: while the event loop runs late, relays go one at a time (relay/loop-pressure.ts).
  const pressure = acksHere ? new LoopPressure() : undefined;
  const queue = new RelayWorkQueue({
    concurrency: config.work.relayConcurrency,
    ...(pressure ? { underPressure: () => pressure.underPressure } : {}),
  });
  metrics.trackQueueDepth(() => work.size + queue.size);
  metrics.trackRelayBacklog(() => queue.backlog);
  closers.add(async () => {
    pressure?.stop();
    const drainMs = drain.ms;
    if (queue.size + work.size > 0) {
      logger.info(
        { running: queue.active, queued: queue.backlog, other: work.size },
        'waiting for relays under way',
      );
    }
    // Queued relays stay recorded and leased: the next process (or another replica) takes them over.
    const queued = queue.backlog;
    const drained = (await queue.stop(drainMs)) && (await work.drain(drainMs));
    if (!drained || queued > 0) {
      logger.warn(
        { running: queue.active, queued },
        'stopped with relays not finished; they stay recorded and the next start takes them over',
      );
    }
    // Held-back store writes stop retrying now; each logs what it could not record.
    drain.abandonWrites();
  });
  return { work, queue };
}

/** The Bolt app and the HTTP routes; closed first on stop, so no new request comes in. */
export async function openSlack(
  { config, options, logger, metrics }: Wiring,
  closers: Closers,
  parts: {
    store: RelayStore;
    fxiaoke: FxiaokeClient;
    relay: RelayDeps;
    profiles: SlackProfileCache;
    work: { work: InFlightWork; queue: RelayWorkQueue };
    isShuttingDown: () => boolean;
    durability: (() => StoreDurabilityStatus) | undefined;
    handOff?: HandOff;
    /** Settings edited in App Home (settings/editor.ts). */
    settings?: SettingsAdmin;
  },
): Promise<{ slack: SlackApp; port: number }> {
  let slack: SlackApp | undefined;
  slack = await createSlackApp({
    slack: config.slack,
    port: config.port,
    context: {
      relay: relayFacade(parts.relay),
      profiles: parts.profiles,
      logger,
      work: parts.work.work,
      queue: parts.work.queue,
      takeovers: { takenOver: (status) => metrics.takeovers.inc({ status }) },
      ...(parts.settings ? { settings: parts.settings } : {}),
    },
    customRoutes: healthRoutes({
      store: parts.store,
      fxiaoke: parts.fxiaoke,
      metrics,
      isShuttingDown: parts.isShuttingDown,
      ...(parts.durability ? { durability: parts.durability } : {}),
      log: logger.child({ component: 'readyz' }),
      ...(options.now ? { now: options.now } : {}),
      // Assigned just below; a probe before that finds no connection yet.
      ...(config.slack.mode === 'socket' ? { slackConnected: () => slack?.isConnected() ?? false } : {}),
    }),
    botId: options.botId,
    botUserId: options.botUserId,
    onAck: (type, seconds) => metrics.observeAck(type, seconds),
    ...(parts.handOff ? { handOff: parts.handOff } : {}),
  });
  const port = await slack.start();
  const started = slack;
  closers.add(() =>
    started.stop().catch((error: unknown) => logger.warn({ err: error }, 'Slack app did not stop cleanly')),
  );
  return { slack: started, port };
}

/**
 * Recorded work nobody is doing (left by a crash, a stop, or a replica that died) is taken over now
 * (after the start, so the buttons in its answers have listeners) and every half lease; sends
 * handed off to workers (relay/handoff.ts) are claimed every `handedOffEveryMs` (a worker's
 * durable path; in `inline` mode, what a mode change left).
 */
export async function openTakeoverSweep(
  { config, logger }: Wiring,
  closers: Closers,
  relay: RelayDeps,
  jobs: Pick<RelayJobs, 'inHand' | 'leftBehind' | 'takeOver' | 'tellOwed' | 'carryOutHandedOff'>,
  options: { handedOffEveryMs?: number; handedOffLimit?: () => number } = {},
): Promise<void> {
  const legacyStaleMs = config.recoveryStaleAfterSeconds * 1000;
  const sweep = () =>
    takeOverAbandoned(
      relay,
      {
        legacyStaleMs,
        inHand: (relayId) => jobs.inHand(relayId),
        ownLeftBehind: (relayId) => jobs.leftBehind(relayId),
      },
      (record) => jobs.takeOver(record),
    )
      .then((taken) => {
        if (taken.length > 0)
          logger.warn({ count: taken.length }, 'took over recorded work nobody was doing');
        // Work that ended but whose sender was never told (relay/owed.ts).
        return takeOverOwed(relay, (record) => jobs.tellOwed(record));
      })
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'looking for abandoned work failed; will try again'),
      );
  let claiming = false;
  const claimHandedOff = async () => {
    const limit = options.handedOffLimit?.() ?? 500;
    if (claiming || limit <= 0) return;
    claiming = true;
    try {
      await claimHandedOffRelays(relay, (record) => jobs.carryOutHandedOff(record), limit);
    } catch (error) {
      logger.warn({ err: error }, 'looking for handed-off relays failed; will try again');
    } finally {
      claiming = false;
    }
  };
  await claimHandedOff();
  await sweep();
  const sweeper = setInterval(() => void sweep(), Math.max(1_000, relay.leaseMs / 2));
  sweeper.unref();
  const claimer = setInterval(() => void claimHandedOff(), options.handedOffEveryMs ?? relay.leaseMs / 2);
  claimer.unref();
  closers.add(() => {
    clearInterval(sweeper);
    clearInterval(claimer);
  });
}

export function openRetention(
  { config, options, logger }: Wiring,
  closers: Closers,
  store: RelayStore,
): void {
  const retention = startRetention(store, logger, config.retentionDays, options.now ?? Date.now);
  closers.add(() => retention.stop());
}

const DAY_MS = 86_400_000;

/**
 * Deletes finished relays older than the retention period, at start and then hourly. Relays in
 * progress are never pruned. Every replica may prune; deleting twice is harmless.
 */
function startRetention(
  store: RelayStore,
  logger: Logger,
  retentionDays: number,
  now: () => number,
): { stop(): void } {
  if (retentionDays === 0) return { stop() {} };
  const prune = () => {
    store
      .prune(now() - retentionDays * DAY_MS)
      .then((deleted) => {
        if (deleted > 0) logger.info({ deleted, retentionDays }, 'pruned relays past retention');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'pruning relays failed; will try again'));
  };
  prune();
  const timer = setInterval(prune, 3_600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
