/**
 * Command-line flags of `npm run bench`. Every number the run uses is here, so a slower machine
 * can shrink the run without editing code; `--quick` is a smoke run that finishes in under a minute.
 */
import { parseArgs } from 'node:util';
import type { LoadStoreKind } from './load-store.js';

export const SECTIONS = [
  'ack',
  'e2e',
  'sustained',
  'fanout',
  'routes',
  'departments',
  'store',
  'sqlite-lock',
  'flood',
  'burst',
] as const;
export type Section = (typeof SECTIONS)[number];
/**
 * RELAY_WORKERS as the bench runs it: `inline`, `fork`, or `receiver`: `fork` with the forked
 * worker held (SIGSTOP) while a stage's commands come in and let go after, so the receiver is
 * measured alone, as where its workers have cores or hosts of their own (targets.ts withWorkerHeld).
 */
export type WorkersMode = 'inline' | 'fork' | 'receiver';

export interface BenchOptions {
  quick: boolean;
  sections: Set<Section>;
  /** Offered rates (req/s) of the baseline-vs-bridge comparison; e2e runs at the same rates. */
  rates: number[];
  /** Offered rates (messages/s) of the routed channel, bare Bolt vs fx-bridge. */
  routeRates: number[];
  durationMs: number;
  /** Emulator latencies (ms) for the end-to-end measurement; 0 reuses the ack runs. */
  latencies: number[];
  /** Rates tried, in order, for the sustained relay rate; stops at the first that fails. */
  stepRates: number[];
  stepDurationMs: number;
  /** Warm-up before measuring each target (JIT, first token fetch, connection set-up). */
  warmupMs: number;
  /** How long to wait after a stage for relays under way to reach the emulator. */
  drainMs: number;
  /** Connections the load generator may open (Slack itself opens as many as it likes). */
  connections: number;
  fanoutRecipients: number;
  records: number;
  lookups: number;
  /** Store calls issued together per insert batch. */
  insertBatch: number;
  redisUrl: string;
  redis: boolean;
  /** A PostgreSQL server for the store section; the run creates and drops a database of its own. */
  postgresUrl: string;
  postgres: boolean;
  /** The fan-out's "configured" budget (FXIAOKE_RATE_LIMIT_CALLS / _WINDOW_MS); default: the build's. */
  fxRateCalls: number | undefined;
  fxRateWindowMs: number | undefined;
  /** A second fan-out under a budget that binds, to see how closely the limiter paces; none: skip. */
  fanoutTight: { calls: number; windowMs: number } | undefined;
  /**
   * RELAY_WORKERS modes measured side by side in the ack and routed-channel sections (`inline`:
   * today's one process; `fork`: acks in this process, sends in a forked worker).
   */
  workers: WorkersMode[];
  /** Where the ack, end-to-end, sustained and routed-channel bridges keep their relays. */
  loadStore: LoadStoreKind;
  /** Commands in the burst section (default budget, a worker killed half way). */
  burst: number;
  /** CPU-profile the bridge during the sustained section (costs throughput, so off by default). */
  profile: boolean;
  /** Also write the run as bench/reference.json, the committed figures the docs quote. */
  saveReference: boolean;
}

/** A command line the bench cannot run: the runner prints the message and the usage, exit 2. */
export class BenchUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`);
    this.name = 'BenchUsageError';
  }
}

const USAGE = `npm run bench -- [flags]
  --quick                  smoke run (< 1 min): short stages, 20,000 store records
  --only ack,e2e,sustained,fanout,routes,departments,store,sqlite-lock,flood   run only these sections
  --rates 100,500,1000     offered rates (req/s) of the baseline-vs-bridge comparison
  --route-rates 100,500    offered rates (messages/s) of the routed channel (forward: all)
  --duration 5             seconds per offered rate
  --latencies 0,50         emulator latencies (ms) for end to end
  --step-rates 100,200,…   rates tried for the sustained relay rate (stops at the first failure)
  --step-duration 5        seconds per step
  --fanout 10000           recipients of the fan-out relay, and people in the department expanded
  --records 1000000        relay records written to each store
  --lookups 10000          lookups by Slack message per store
  --redis-url URL          default $REDIS_URL or redis://127.0.0.1:6379
  --no-redis               skip the Redis store
  --postgres-url URL       default $TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres
                           (a database fxb_bench_… is created there for the run and dropped after)
  --no-postgres            skip the PostgreSQL store
  --fx-rate-calls N, --fx-rate-window-ms N   the fan-out's Fxiaoke rate budget (default: the build's)
  --workers inline,fork    RELAY_WORKERS modes compared in the ack and routed-channel sections;
                           receiver: fork with its worker held while each stage's requests come in
  --load-store sqlite      where the load and routed-channel bridges keep relays: sqlite (a file each),
                           redis (a key prefix each, on --redis-url) or postgres (a database each, on --postgres-url)
  --burst 1000             commands of the burst section (default budget, worker killed half way)
  --profile                CPU-profile the bridge during the sustained section (slows it down)
  --fanout-tight 5/1000    also fan out under this budget (calls/window ms) to see the pacing; none: skip
  --save-reference         also write the run as bench/reference.json (the committed reference figures)
Results go to bench/results/ (not committed): <timestamp>.json and latest.json.
The load sections lift the rate budget (100000 calls / 1000 ms) so they measure the bridge, not the budget.`;

function numbers(value: string | undefined, fallback: number[], flag: string): number[] {
  if (value === undefined) return fallback;
  const list = value.split(',').map((item) => Number(item.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new Error(`--${flag} takes comma-separated non-negative numbers, got "${value}"`);
  }
  return list;
}

function number(value: string | undefined, fallback: number, flag: string): number {
  return numbers(value, [fallback], flag)[0] ?? fallback;
}

function optionalNumber(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : number(value, 0, flag);
}

function budget(value: string): { calls: number; windowMs: number } | undefined {
  if (value === 'none') return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (!match) throw new Error(`--fanout-tight takes calls/windowMs such as 5/1000, or none; got "${value}"`);
  return { calls: Number(match[1]), windowMs: Number(match[2]) };
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  try {
    return parse(argv, env);
  } catch (error) {
    if (error instanceof BenchUsageError) throw error;
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
}

function parse(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rates: { type: 'string' },
      'route-rates': { type: 'string' },
      duration: { type: 'string' },
      latencies: { type: 'string' },
      'step-rates': { type: 'string' },
      'step-duration': { type: 'string' },
      fanout: { type: 'string' },
      records: { type: 'string' },
      lookups: { type: 'string' },
      'redis-url': { type: 'string' },
      'no-redis': { type: 'boolean', default: false },
      'postgres-url': { type: 'string' },
      'no-postgres': { type: 'boolean', default: false },
      'fx-rate-calls': { type: 'string' },
      'fx-rate-window-ms': { type: 'string' },
      'fanout-tight': { type: 'string' },
      workers: { type: 'string' },
      'load-store': { type: 'string' },
      burst: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'save-reference': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const only = values.only?.split(',').map((item) => item.trim());
  const unknown = only?.filter((item) => !(SECTIONS as readonly string[]).includes(item)) ?? [];
  if (unknown.length > 0) throw new BenchUsageError(`--only: unknown section(s) ${unknown.join(', ')}`);
  const sections = new Set<Section>((only as Section[] | undefined) ?? SECTIONS);

  return {
    quick,
    sections,
    rates: numbers(values.rates, quick ? [50, 200] : [100, 500, 1000], 'rates'),
    routeRates: numbers(values['route-rates'], quick ? [50, 100] : [100, 500], 'route-rates'),
    durationMs: number(values.duration, quick ? 1.5 : 5, 'duration') * 1000,
    latencies: numbers(values.latencies, [0, 50], 'latencies'),
    stepRates: numbers(
      values['step-rates'],
      quick ? [100, 200, 400] : [100, 200, 300, 400, 500, 600, 800, 1000, 1250, 1500, 2000],
      'step-rates',
    ),
    stepDurationMs: number(values['step-duration'], quick ? 1.5 : 5, 'step-duration') * 1000,
    warmupMs: quick ? 500 : 1500,
    drainMs: quick ? 8_000 : 20_000,
    connections: 512,
    fanoutRecipients: number(values.fanout, 10_000, 'fanout'),
    records: number(values.records, quick ? 20_000 : 1_000_000, 'records'),
    lookups: number(values.lookups, quick ? 2_000 : 10_000, 'lookups'),
    insertBatch: 1_000,
    redisUrl: values['redis-url'] ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redis: !(values['no-redis'] ?? false),
    postgresUrl:
      values['postgres-url'] ?? env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    postgres: !(values['no-postgres'] ?? false),
    fxRateCalls: optionalNumber(values['fx-rate-calls'], 'fx-rate-calls'),
    fxRateWindowMs: optionalNumber(values['fx-rate-window-ms'], 'fx-rate-window-ms'),
    fanoutTight: budget(values['fanout-tight'] ?? '5/1000'),
    workers: workersModes(values.workers),
    loadStore: loadStoreKind(values['load-store']),
    burst: number(values.burst, quick ? 200 : 1_000, 'burst'),
    profile: values.profile ?? false,
    saveReference: values['save-reference'] ?? false,
  };
}

function loadStoreKind(value: string | undefined): LoadStoreKind {
  const kind = value ?? 'sqlite';
  if (kind === 'sqlite' || kind === 'redis' || kind === 'postgres') return kind;
  throw new BenchUsageError(`--load-store takes sqlite, redis or postgres, got "${value}"`);
}

function workersModes(value: string | undefined): WorkersMode[] {
  const modes = (value ?? 'inline,fork').split(',').map((item) => item.trim());
  const wrong = modes.filter((mode) => mode !== 'inline' && mode !== 'fork' && mode !== 'receiver');
  if (wrong.length > 0 || modes.length === 0)
    throw new BenchUsageError(`--workers takes inline, fork and/or receiver, got "${value}"`);
  return modes as WorkersMode[];
}
