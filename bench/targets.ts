/**
 * What the load generator aims at: a bare Bolt app that only acks (the floor any Bolt app pays),
 * and the real fx-bridge started in-process through the real config loader, as test/e2e/harness.ts
 * does. Also starts the two child processes (fakes, load generator).
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { BOT_ID, BOT_USER_ID, TEST_SIGNING_SECRET } from '../dev/fakes/slack-requests.js';
import { type Bridge, startBridge } from '../src/bridge.js';
import { type Config, loadConfig } from '../src/config.js';
import { ChildRpc, forkBench } from './ipc.js';
import { instanceStore, type LoadStore } from './load-store.js';
import type { WorkersMode } from './options.js';
import type { FakesInfo, FakesRequest, LoadRequest } from './protocol.js';

export const BOT_TOKEN = 'xoxb-bench-bot-token-0123456789abcdef';
export const SIGNING_SECRET = TEST_SIGNING_SECRET;
export const EVENTS_PATH = '/slack/events';

export interface Target {
  name: string;
  url: string;
  stop(): Promise<void>;
}

export async function startBaseline(fakes: FakesInfo): Promise<Target> {
  // Same receiver settings as src/slack/app.ts, so the only difference is what the handler does.
  const receiver = new HTTPReceiver({
    signingSecret: SIGNING_SECRET,
    endpoints: EVENTS_PATH,
    processBeforeResponse: false,
    logLevel: LogLevel.ERROR,
  });
  const app = new App({
    token: BOT_TOKEN,
    receiver,
    botId: BOT_ID,
    botUserId: BOT_USER_ID,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fakes.slackApiUrl },
  });
  app.command('/fx-send', async ({ ack }) => {
    await ack();
  });
  // Events are acked by Bolt itself before any listener runs: the floor of the routed channel.
  app.event('message', async () => undefined);
  const server = await receiver.start(0);
  const { port } = server.address() as AddressInfo;
  return {
    name: 'baseline',
    url: `http://127.0.0.1:${port}${EVENTS_PATH}`,
    stop: async () => {
      await app.stop();
    },
  };
}

const PINO_LEVELS: Record<string, string> = {
  '20': 'debug',
  '30': 'info',
  '40': 'warn',
  '50': 'error',
  '60': 'fatal',
};

/** Log lines by level, and the first few warnings and errors: a benchmark that logs errors is suspect. */
export class LogTally extends Writable {
  readonly levels: Record<string, number> = {};
  readonly samples: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      let level = 'unparsed';
      let message = line.slice(0, 200);
      try {
        const parsed = JSON.parse(line) as {
          level?: number | string;
          msg?: string;
          err?: { message?: string };
        };
        level = PINO_LEVELS[String(parsed.level)] ?? String(parsed.level);
        message = `${parsed.msg ?? ''}${parsed.err?.message ? `: ${parsed.err.message}` : ''}`.slice(0, 200);
      } catch {
        // keep the raw line
      }
      this.levels[level] = (this.levels[level] ?? 0) + 1;
      if (this.samples.length < 5 && !this.samples.includes(message)) this.samples.push(message);
    }
    callback();
  }
}

export interface BridgeTarget extends Target {
  bridge: Bridge;
  config: Config;
  logs: LogTally;
  /** `{ calls, windowMs }` when this build has a Fxiaoke rate limiter, else undefined. */
  rateBudget: RateBudget | undefined;
}

export interface RateBudget {
  calls: number;
  windowMs: number;
}

/** The limiter may or may not be in this build: its variables are read only if config.ts knows them. */
export function buildHasRateLimiter(): boolean {
  const source = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
  return source.includes('FXIAOKE_RATE_LIMIT_CALLS');
}

/**
 * The budget the loaded config carries, found by shape (a number named like "calls" next to one
 * named like "window"), because the bench must not depend on a field name another change may pick.
 */
export function rateBudgetOf(value: unknown, depth = 0): RateBudget | undefined {
  if (typeof value !== 'object' || value === null || depth > 3) return undefined;
  const entries = Object.entries(value);
  const calls = entries.find(([key, v]) => /calls/i.test(key) && typeof v === 'number')?.[1];
  const windowMs = entries.find(([key, v]) => /window/i.test(key) && typeof v === 'number')?.[1];
  if (typeof calls === 'number' && typeof windowMs === 'number') return { calls, windowMs };
  for (const [, child] of entries) {
    const found = rateBudgetOf(child, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export interface BridgeSettings {
  name: string;
  fakes: FakesInfo;
  dir: string;
  fileConfigPath: string;
  env?: Record<string, string | undefined>;
  /** Where the instance keeps its relays (`--load-store`); default its own SQLite file in `dir`. */
  store?: LoadStore;
}

export async function startBenchBridge(settings: BridgeSettings): Promise<BridgeTarget> {
  const { fakes } = settings;
  const placed = await instanceStore(
    settings.store ?? { kind: 'sqlite', redisUrl: '', postgresUrl: '' },
    settings.name,
    settings.dir,
  );
  const env: Record<string, string | undefined> = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_MODE: 'http',
    SLACK_API_URL: fakes.slackApiUrl,
    PORT: '0',
    FXIAOKE_BASE_URL: fakes.emulatorUrl,
    FXIAOKE_APP_ID: fakes.appId,
    FXIAOKE_APP_SECRET: fakes.appSecret,
    FXIAOKE_PERMANENT_CODE: fakes.permanentCode,
    FXIAOKE_USER_ID: '1000',
    FXIAOKE_SERVICE_ID: fakes.serviceId,
    ...placed.env,
    // Warnings and errors only: info lines per relay would measure pino, not the bridge.
    LOG_LEVEL: 'warn',
    FX_BRIDGE_CONFIG: settings.fileConfigPath,
    ...settings.env,
  };
  const config = loadConfig(env);
  const logs = new LogTally();
  const bridge = await startBridge(config, {
    logDestination: logs,
    botId: BOT_ID,
    botUserId: BOT_USER_ID,
    drainTimeoutMs: 10_000,
  });
  return {
    name: settings.name,
    url: `http://127.0.0.1:${bridge.port}${EVENTS_PATH}`,
    bridge,
    config,
    logs,
    rateBudget: rateBudgetOf(config.fxiaoke) ?? rateBudgetOf(config),
    stop: async () => {
      await bridge.stop();
      await placed.remove().catch(() => undefined);
    },
  };
}

/** What one bridge instance did over its life, from its own metrics and log. */
export interface InstanceSummary {
  name: string;
  tokenFetches: number;
  /** Relays finished, by final status (fxbridge_relays_total). */
  relays: Record<string, number>;
  logLevels: Record<string, number>;
  logSamples: string[];
}

export async function summarize(target: BridgeTarget): Promise<InstanceSummary> {
  const { metrics } = target.bridge;
  const tokens = await metrics.tokenFetches.get();
  const relays: Record<string, number> = {};
  for (const sample of (await metrics.relays.get()).values) {
    const status = String(sample.labels.status ?? 'unlabelled');
    relays[status] = (relays[status] ?? 0) + sample.value;
  }
  return {
    name: target.name,
    tokenFetches: tokens.values.reduce((total, sample) => total + sample.value, 0),
    relays,
    logLevels: target.logs.levels,
    logSamples: target.logs.samples,
  };
}

export interface Children {
  fakes: ChildRpc<FakesRequest>;
  fakesInfo: FakesInfo;
  load: ChildRpc<LoadRequest>;
}

export async function startChildren(directorySize: number): Promise<Children> {
  const fakesChild = forkBench('./fakes.ts', [String(directorySize)]);
  const fakes = new ChildRpc<FakesRequest>(fakesChild);
  const fakesInfo = await new Promise<FakesInfo>((resolve, reject) => {
    fakesChild.on('message', (message: { ready?: FakesInfo }) => {
      if (message.ready) resolve(message.ready);
    });
    fakesChild.once('exit', (code) => reject(new Error(`bench/fakes.ts exited early (code ${code})`)));
  });
  const load = new ChildRpc<LoadRequest>(forkBench('./load.ts'));
  return { fakes, fakesInfo, load };
}

export async function stopChildren(children: Children): Promise<void> {
  await Promise.allSettled([children.fakes.call({ op: 'exit' }), children.load.call({ op: 'exit' })]);
  await Promise.all([children.fakes.exit(), children.load.exit()]);
}

/** RELAY_WORKERS of a bench mode (`receiver` is `fork` with its worker held during each stage). */
export function relayWorkersOf(mode: WorkersMode): 'inline' | 'fork' {
  return mode === 'inline' ? 'inline' : 'fork';
}

/**
 * `--workers receiver`: runs a stage with the bridge's forked worker stopped (SIGSTOP) until the
 * stage has sent its requests (`sendingMs`), then lets it go on (SIGCONT) and drain what it was
 * handed: the receiver's acks measured without relay work on the machine's cores, as where its
 * workers run on cores or hosts of their own. Nothing is lost, only late. Held between stages, when
 * the worker is idle (the last stage drained), so it holds no SQLite write lock while stopped.
 */
export async function withWorkerHeld<T>(
  target: BridgeTarget,
  mode: WorkersMode,
  sendingMs: number,
  stage: () => Promise<T>,
): Promise<T> {
  if (mode !== 'receiver') return stage();
  const pid = target.bridge.relayWorkerPid;
  if (pid === undefined) throw new Error(`${target.name}: no forked relay worker to hold`);
  const resume = () => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Gone (restarted by its receiver): nothing to let go.
    }
  };
  process.kill(pid, 'SIGSTOP');
  const timer = setTimeout(resume, sendingMs);
  try {
    return await stage();
  } finally {
    clearTimeout(timer);
    resume();
  }
}
