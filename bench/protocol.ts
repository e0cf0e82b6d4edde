/** What the orchestrator and its child processes say to each other (plain JSON over IPC). */

/** The channel the bench routes to Fxiaoke (`forward: all`). */
export const ROUTED_CHANNEL = 'C0BENCHROUTED';
/** Who posts every message of the routed channel (the fake Slack knows their name). */
export const BENCH_AUTHOR = 'U0BENCHAUTHOR';

export interface LoadJob {
  op: 'run';
  /** The Slack events URL of the target. */
  url: string;
  signingSecret: string;
  /** Offered rate, requests per second, kept whatever the target answers (open loop). */
  rate: number;
  durationMs: number;
  /** Put in every message text (`bench-<stage>-<seq>`) so the emulator's log can be matched. */
  stage: number;
  /** Recipients token of `/fx-send`. */
  recipients: string;
  /**
   * `command` (default): signed `/fx-send` slash commands. `message`: signed Events API deliveries of
   * a new message in `channel` (a routed channel for the bridge), one per send, each its own ts.
   */
  kind?: 'command' | 'message';
  channel?: string;
  responseUrl: string;
  connections: number;
  /** After the last send, how long to wait for answers still outstanding. */
  drainMs: number;
}

export type LoadRequest = LoadJob | { op: 'exit' };

/** `[seq, sentAt (epoch ms), latency ms (send → whole answer), HTTP status or 0 for none]`. */
export type LoadSample = [number, number, number, number];

export interface LoadResult {
  stage: number;
  rate: number;
  /** From the first to the last send. */
  sendWindowMs: number;
  sent: number;
  /** Errors by kind: `http_404`, `ECONNRESET`, `no_answer`, … */
  errors: Record<string, number>;
  /** Worst lateness of the send timer against the schedule (the generator's own overload). */
  maxLagMs: number;
  samples: LoadSample[];
}

export type FakesRequest = { op: 'latency'; ms: number } | { op: 'harvest' } | { op: 'exit' };

export interface FakesInfo {
  emulatorUrl: string;
  slackApiUrl: string;
  responseUrl: string;
  appId: string;
  appSecret: string;
  permanentCode: string;
  serviceId: string;
}

/** One send call to Fxiaoke that did not carry a `bench-<stage>-<seq>` text (the fan-out). */
export interface OtherSend {
  at: number;
  answeredAt: number;
  recipients: number;
  errorCode: number | undefined;
}

/** What the fakes saw since the previous harvest. */
export interface Harvest {
  /** `[stage, seq, arrivedAt, answeredAt, errorCode]` for each bench send call. */
  sends: Array<[number, number, number, number, number]>;
  others: OtherSend[];
  /** Successful token answers since the emulator started (reuses included). */
  tokenFetches: number;
  /** Slack Web API calls by method, and response_url posts. */
  slackCalls: Record<string, number>;
  responseUrlPosts: number;
}

export interface StoreJob {
  kind: 'sqlite' | 'redis' | 'postgres';
  records: number;
  lookups: number;
  insertBatch: number;
  redisUrl: string;
  /** A PostgreSQL server (its maintenance database): the job creates a database of its own there. */
  postgresUrl: string;
  dir: string;
}

export interface StoreResult {
  kind: 'sqlite' | 'redis' | 'postgres';
  skipped?: string;
  records: number;
  insertMs: number;
  insertsPerSecond: number;
  /** Rate over each tenth of the inserts: does it slow down as the store grows? */
  insertsPerSecondByTenth: number[];
  lookup: { count: number; p50: number; p99: number; max: number; perSecond: number };
  /**
   * SQLite: the database file after close (WAL checkpointed); Redis: growth of used_memory;
   * PostgreSQL: the relays table with its indexes and TOAST (pg_total_relation_size).
   */
  sizeBytes: number;
  sizeLabel: string;
  rssBytes: number;
  rssPeakBytes: number;
  notes: string[];
}
