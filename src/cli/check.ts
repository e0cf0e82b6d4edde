/**
 * `fx-bridge check`: everything the bridge needs at start, tried once, reported one line each.
 * Meant for a deploy pipeline or a first install; it sends nothing and changes nothing except
 * creating an empty SQLite file where the configured one does not exist yet — unless asked, with
 * `--send-test <recipient>`, to send one test message (send-test.ts).
 */

import type { webApi } from '@slack/bolt';
import { type Config, ConfigError, loadConfig, secretsOf } from '../config.js';
import { FxiaokeClient } from '../fxiaoke/client.js';
import { isFxiaokeError } from '../fxiaoke/errors.js';
import { fxiaokeConnection } from '../fxiaoke/from-config.js';
import { SecretScrubber } from '../logger.js';
import {
  describePersistence,
  describePolicy,
  evicts,
  persistenceRisk,
  persistsNothing,
  type RedisDurability,
  readRedisDurability,
} from '../redis/durability.js';
import { effectiveSettings } from '../settings/effective.js';
import { WORKSPACE_SCOPE } from '../settings/port.js';
import { settingsOf } from '../settings/store.js';
import { slackWebClient } from '../slack/api/web-client.js';
import { openStore, parseStoreUrl } from '../store/index.js';
import { beforeDeadline } from '../util/deadline.js';
import { runInstallCheck } from './check-installs.js';
import { type CheckLine, formatCheckReport } from './format.js';
import { type CliIo, EXIT, type ExitCode } from './io.js';
import { runSendTest } from './send-test.js';

const NAMES = {
  config: 'configuration',
  fxiaoke: 'Fxiaoke token',
  store: 'relay store',
  redisEviction: 'Redis eviction',
  redisPersistence: 'Redis persistence',
  slack: 'Slack auth.test',
  socket: 'Slack Socket Mode',
  events: 'Slack message events',
  routes: 'Slack channel routes',
} as const;

export interface CheckOptions {
  /** Each check that takes longer fails (default 15 s). */
  timeoutMs?: number;
  /** After the checks, send one test message to this recipient and print the raw answer. */
  sendTest?: string;
}

export async function runCheck(io: CliIo, options: CheckOptions = {}): Promise<ExitCode> {
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const skipped = (name: string): CheckLine => ({
      name,
      outcome: 'skipped',
      detail: 'not tried: the configuration is invalid',
    });
    const problems = error.problems.map((problem) => `- ${problem}`).join('\n');
    io.out(
      formatCheckReport([
        { name: NAMES.config, outcome: 'fail', detail: `${plural(error.problems.length)}:\n${problems}` },
        skipped(NAMES.fxiaoke),
        skipped(NAMES.store),
        skipped(NAMES.slack),
      ]),
    );
    return EXIT.config;
  }

  // Install mode: the token and the tenant are each workspace's (check-installs.ts).
  if (config.installs) return runInstallCheck(io, config);
  const timeoutMs = options.timeoutMs ?? 15_000;
  // One auth.test for both Slack lines: its answer names the bot, its x-oauth-scopes header the scopes.
  const authTest = slackClient(config, config.slack.botToken).auth.test();
  authTest.catch(() => undefined);
  // The sync and routes lines look at the settings in force: the file with what admins set in Slack.
  let inForce = config;
  const checks = [
    checkFxiaoke(config),
    checkStore(config, (file) => {
      inForce = { ...config, file };
    }),
    checkSlack(authTest),
  ];
  if (config.slack.mode === 'socket') checks.push(checkSocketMode(config));
  const durability = redisDurabilityLines(config, timeoutMs);
  const results = await Promise.all(checks.map(({ name, run }) => settle(name, run, timeoutMs)));
  results.splice(2, 0, ...(await durability));
  results.push(await messageEventsLine(inForce, authTest));
  const routes = await routesLine(inForce, authTest);
  if (routes) results.push(routes);
  const scrubber = new SecretScrubber(secretsOf(config));
  const lines: CheckLine[] = [
    { name: NAMES.config, outcome: 'pass', detail: describeConfig(config) },
    ...results.map((line) => ({ ...line, detail: scrubber.scrub(line.detail) })),
  ];
  io.out(formatCheckReport(lines));
  // A skipped line (nothing to check, or nothing Slack would tell) fails nothing.
  const passed = lines.every((line) => line.outcome !== 'fail');
  if (options.sendTest === undefined) return passed ? EXIT.ok : EXIT.failed;
  const tokenOk = lines.find((line) => line.name === NAMES.fxiaoke)?.outcome === 'pass';
  if (!tokenOk) {
    io.out('\nSend test: not tried, the Fxiaoke token check failed.');
    return EXIT.failed;
  }
  const sent = await runSendTest(io, config, options.sendTest);
  return passed && sent === EXIT.ok ? EXIT.ok : EXIT.failed;
}

function plural(count: number): string {
  return `${count} problem${count === 1 ? '' : 's'}`;
}

interface Check {
  name: string;
  /** Resolves with the detail shown after ✓; throws with the reason shown after ✗. */
  run: () => Promise<string>;
}

async function settle(name: string, run: () => Promise<string>, timeoutMs: number): Promise<CheckLine> {
  try {
    const outcome = await beforeDeadline(run(), timeoutMs);
    if (!outcome.inTime)
      return { name, outcome: 'fail', detail: reason(new Error(`no answer within ${timeoutMs / 1000} s`)) };
    return { name, outcome: 'pass', detail: outcome.value };
  } catch (error) {
    return { name, outcome: 'fail', detail: reason(error) };
  }
}

function reason(error: unknown): string {
  if (isFxiaokeError(error)) {
    const code = error.errorCode === undefined ? '' : `, errorCode ${error.errorCode}`;
    const trace = error.traceId ? `, traceId ${error.traceId}` : '';
    return `${error.meaning} (${error.path}${code}${trace})`;
  }
  const slackCode = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  if (typeof slackCode === 'string') return `Slack answered "${slackCode}"`;
  return error instanceof Error ? error.message : String(error);
}

/** What will be used, never a secret: a Redis or PostgreSQL URL loses its password. */
function describeConfig(config: Config): string {
  const fx = config.fxiaoke;
  const auth = fx.authMode === 'header' ? `header auth as employee ${fx.userId}` : 'legacy auth';
  const service = fx.serviceId
    ? `service account ${fx.serviceId} (revocable)`
    : 'no service account (no revoke)';
  return `${config.slack.mode} mode, port ${config.port}, store ${describeStore(config.storeUrl)}, Fxiaoke ${auth}, ${service}`;
}

export function describeStore(storeUrl: string): string {
  const location = parseStoreUrl(storeUrl);
  switch (location.kind) {
    case 'sqlite':
      return `SQLite ${location.path}`;
    case 'memory':
      return 'in memory (forgotten at every stop)';
    case 'redis': {
      try {
        const url = new URL(location.url);
        return `Redis ${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
      } catch {
        return 'Redis (URL not shown)';
      }
    }
    case 'postgres': {
      try {
        const url = new URL(location.url);
        const user = url.username ? `${url.username}@` : '';
        return `PostgreSQL ${url.protocol}//${user}${url.host}${url.pathname}`;
      } catch {
        return 'PostgreSQL (URL not shown)';
      }
    }
  }
}

function checkFxiaoke(config: Config): Check {
  return {
    name: NAMES.fxiaoke,
    run: async () => {
      const fx = config.fxiaoke;
      const client = new FxiaokeClient({
        ...fxiaokeConnection(fx),
        // One honest try: a check that retries for a minute hides what a deploy needs to know.
        retry: { maxRetries: 1 },
      });
      try {
        await client.checkCredentials();
      } finally {
        await client.close().catch(() => undefined);
      }
      return `issued by ${fx.baseUrl} for app ${fx.appId}`;
    },
  };
}

/** The store answers; and which settings admins set in App Home there (`inForce` gets the result). */
function checkStore(config: Config, inForce: (file: Config['file']) => void): Check {
  return {
    name: NAMES.store,
    run: async () => {
      const store = await openStore(config.storeUrl, {
        redisKeyPrefix: config.redisKeyPrefix,
        postgres: config.postgres,
      });
      let stored: Awaited<ReturnType<ReturnType<typeof settingsOf>['read']>>;
      try {
        await store.ping();
        stored = await settingsOf(store).read(WORKSPACE_SCOPE);
      } finally {
        await store.close().catch(() => undefined);
      }
      const answers = `${describeStore(config.storeUrl)} answers`;
      const sections = Object.keys(stored.overrides);
      if (sections.length === 0) return answers;
      const { settings, problems } = effectiveSettings(config.file, stored.overrides);
      if (problems.length > 0)
        return `${answers}; the settings set in App Home (${sections.join(', ')}) do not fit the config file, which alone is in force: ${problems.join('; ')}`;
      inForce(settings);
      return `${answers}; set in App Home: ${sections.join(', ')}`;
    },
  };
}

/**
 * A Redis store: what it keeps. An evicting policy fails (the bridge refuses to start on it unless
 * REDIS_ALLOW_EVICTION=true); a store that persists nothing, or whose settings cannot be read
 * (managed Redis without CONFIG), is a warning. No lines for other stores.
 */
async function redisDurabilityLines(config: Config, timeoutMs: number): Promise<CheckLine[]> {
  const location = parseStoreUrl(config.storeUrl);
  if (location.kind !== 'redis') return [];
  let found: RedisDurability;
  try {
    const outcome = await beforeDeadline(readRedisDurability(location.url, timeoutMs), timeoutMs);
    if (!outcome.inTime) throw new Error(`no answer within ${timeoutMs / 1000} s`);
    found = outcome.value;
  } catch (error) {
    const detail = `not checked: ${reason(error)}`;
    return [
      { name: NAMES.redisEviction, outcome: 'skipped', detail },
      { name: NAMES.redisPersistence, outcome: 'skipped', detail },
    ];
  }
  return [evictionLine(found, config.redisAllowEviction), persistenceLine(found)];
}

function evictionLine(found: RedisDurability, allowed: boolean): CheckLine {
  const name = NAMES.redisEviction;
  const policy = `maxmemory-policy ${describePolicy(found)}`;
  if (found.policy === undefined) {
    return { name, outcome: 'warn', detail: `could not check ${found.unchecked.join('; ')}` };
  }
  if (!evicts(found.policy)) return { name, outcome: 'pass', detail: `${policy}: no key is ever evicted` };
  const harm = 'Redis may drop relay records: Revoke then answers "not relayed" for copies live in Fxiaoke';
  if (allowed) {
    return {
      name,
      outcome: 'warn',
      detail: `${policy}: ${harm}. Allowed by REDIS_ALLOW_EVICTION=true; /readyz turns not ready when keys are lost`,
    };
  }
  return {
    name,
    outcome: 'fail',
    detail: `${policy}: ${harm}. fx-bridge refuses to start: set maxmemory-policy noeviction, or REDIS_ALLOW_EVICTION=true`,
  };
}

function persistenceLine(found: RedisDurability): CheckLine {
  const name = NAMES.redisPersistence;
  const risk = persistenceRisk(found);
  const detail = [describePersistence(found), risk].filter(Boolean).join(': ');
  const unchecked = found.unchecked.map((what) => `could not check ${what}`);
  if (persistsNothing(found)) {
    return {
      name,
      outcome: 'warn',
      detail: `${detail}. Turn on AOF (appendonly yes), or use PostgreSQL for the map`,
    };
  }
  if (unchecked.length > 0) return { name, outcome: 'warn', detail: [detail, ...unchecked].join('\n') };
  return { name, outcome: 'pass', detail };
}

/** One honest try: a check that retries hides what a deploy needs to know. */
function slackClient(config: Config, token: string): webApi.WebClient {
  return slackWebClient(token, config.slack.apiUrl, { retries: 'none' });
}

function checkSlack(authTest: Promise<webApi.AuthTestResponse>): Check {
  return {
    name: NAMES.slack,
    run: async () => {
      const result = await authTest;
      if (!result.bot_id || !result.user_id) throw new Error('the token is not a bot token (no bot_id)');
      return `bot ${result.user ?? '?'} (${result.user_id}, ${result.bot_id}) in team ${result.team ?? '?'} (${result.team_id ?? '?'})`;
    },
  };
}

/** The scopes Slack needs to send `message` events of each conversation type to a bot. */
export const HISTORY_SCOPES = ['channels:history', 'groups:history', 'im:history', 'mpim:history'];

/**
 * Whether edits and deletes can reach fx-bridge. What a bot token can show: its scopes (Slack's
 * `x-oauth-scopes` header on auth.test). What it cannot: whether the app's Event Subscriptions list
 * the message.* events, and which channels the bot is in — the line says so.
 */
async function messageEventsLine(
  config: Config,
  authTest: Promise<webApi.AuthTestResponse>,
): Promise<CheckLine> {
  const name = NAMES.events;
  const { edits, deletes } = config.file.sync;
  if (edits === 'off' && deletes === 'off')
    return { name, outcome: 'skipped', detail: 'not needed: sync.edits and sync.deletes are off' };
  const scopes = await authTest.then(
    (result) => result.response_metadata?.scopes,
    () => undefined,
  );
  if (!scopes)
    return {
      name,
      outcome: 'skipped',
      detail: 'could not tell: Slack did not list the token’s scopes (no x-oauth-scopes header on auth.test)',
    };
  const missing = HISTORY_SCOPES.filter((scope) => !scopes.includes(scope));
  if (missing.length > 0) {
    return {
      name,
      outcome: 'fail',
      detail: [
        `the bot token lacks ${missing.join(', ')}: Slack sends no edits or deletes from those conversations, so sync.edits/sync.deletes cannot follow them there`,
        'Add the scopes (see manifest.yml) and reinstall the app, or set sync.edits and sync.deletes to off;',
        'without them, "Send to Fxiaoke" on a changed message still offers "Update the copy in Fxiaoke".',
      ].join('\n'),
    };
  }
  return {
    name,
    outcome: 'pass',
    detail: [
      `the token has ${HISTORY_SCOPES.join(', ')} (sync.edits: ${edits}, sync.deletes: ${deletes})`,
      'Not visible to a bot token: whether the app subscribes to message.channels, message.groups, message.im',
      'and message.mpim (manifest.yml), and which channels the bot is in — it hears only those.',
    ].join('\n'),
  };
}

/**
 * The scopes channel routes (config `routes`) need: the new messages of a routed channel and the
 * message someone reacted to are read with the `*:history` scopes, `reaction_added` needs
 * `reactions:read`, the ✅ on a relayed message `reactions:write`. The channel's name in the
 * attribution (`channels:read`, `groups:read`) is a nicety: without it the id stands in.
 */
export const ROUTE_SCOPES = {
  all: ['channels:history', 'groups:history', 'reactions:write'],
  reaction: ['channels:history', 'groups:history', 'reactions:read', 'reactions:write'],
  names: ['channels:read', 'groups:read'],
} as const;

/** Only when routes are configured: whether the token has what they need. */
async function routesLine(
  config: Config,
  authTest: Promise<webApi.AuthTestResponse>,
): Promise<CheckLine | undefined> {
  const routes = Object.entries(config.file.routes);
  if (routes.length === 0) return undefined;
  const name = NAMES.routes;
  const described = routes
    .map(
      ([channel, route]) =>
        `${channel} (${route.forward === 'all' ? 'all' : `reaction :${route.reaction}:`})`,
    )
    .join(', ');
  const scopes = await authTest.then(
    (result) => result.response_metadata?.scopes,
    () => undefined,
  );
  if (!scopes) {
    return {
      name,
      outcome: 'skipped',
      detail: `${described}: could not tell whether the token has their scopes (no x-oauth-scopes header on auth.test)`,
    };
  }
  const needed = new Set<string>(
    routes.flatMap(([, route]) => (route.forward === 'all' ? ROUTE_SCOPES.all : ROUTE_SCOPES.reaction)),
  );
  const missing = [...needed].filter((scope) => !scopes.includes(scope));
  const unnamed = ROUTE_SCOPES.names.filter((scope) => !scopes.includes(scope));
  const names =
    unnamed.length > 0
      ? `Without ${unnamed.join(', ')} the attribution in Fxiaoke names a channel by its id.`
      : 'Channels are named in Fxiaoke by their Slack names.';
  const hidden =
    'Not visible to a bot token: whether the app subscribes to message.channels, message.groups and reaction_added (manifest.yml), and whether the bot is in each routed channel — it hears only those.';
  if (missing.length > 0) {
    return {
      name,
      outcome: 'fail',
      detail: [
        `${described}: the bot token lacks ${missing.join(', ')}, so routed messages are not heard, read or marked`,
        'Add the scopes (see manifest.yml) and reinstall the app, or remove the routes.',
        names,
      ].join('\n'),
    };
  }
  return {
    name,
    outcome: 'pass',
    detail: [`${described}: the token has ${[...needed].join(', ')}`, names, hidden].join('\n'),
  };
}

function checkSocketMode(config: Config): Check {
  return {
    name: NAMES.socket,
    run: async () => {
      // Asks for a connection URL without connecting: proves SLACK_APP_TOKEN and Socket Mode are on.
      await slackClient(config, config.slack.appToken ?? '').apps.connections.open();
      return 'the app token may open a connection (apps.connections.open)';
    },
  };
}
