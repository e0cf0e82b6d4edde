/**
 * Store benchmark, one child process per store so its RSS is the store's and nothing else's.
 * Records go in through the RelayStore interface the bridge uses (no bulk path that would flatter
 * the numbers), a batch of calls issued together at a time: Redis pipelines them; PostgreSQL runs
 * them on the bridge's default pool (POSTGRES_POOL_SIZE connections at once, one statement per
 * insert); better-sqlite3 is synchronous under the async interface, so SQLite runs them one by
 * one, one transaction each.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DEFAULTS } from '../src/config.js';
import { openPostgresStore } from '../src/postgres/relay-store.js';
import { openRedisStore } from '../src/redis/relay-store.js';
import { newRelayId } from '../src/relay/ids.js';
import type { RelayRecord, SlackMessageRef } from '../src/relay/types.js';
import type { RelayStore } from '../src/store/interface.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { BASE_TIME, makeBatch, makeRecord, makeSlackRef } from '../test/store/records.js';
import { BenchDatabase } from './bench-database.js';
import { serve } from './ipc.js';
import { deletePrefix } from './load-store.js';
import type { StoreJob, StoreResult } from './protocol.js';
import { mib, percentile, round } from './stats.js';

const SENDERS = 300;
const CHANNELS = 60;
const TRIGGER_HEX = 'b5f0c2d9e41a7f3368aa01d2c7e9f410';

function channelFor(i: number): string {
  return `C0${(i % CHANNELS).toString(36).toUpperCase().padStart(8, '0')}`;
}

/** Unique per i, in Slack's `seconds.micros` form. */
function refFor(i: number): SlackMessageRef {
  const ts = `${1_700_000_000 + Math.floor(i / 1000)}.${String((i % 1000) * 100 + 7).padStart(6, '0')}`;
  return makeSlackRef(ts, { channelId: channelFor(i) });
}

/** A finished relay as the bridge writes it: 3 recipients in one accepted batch, receipt keyed. */
function recordFor(i: number): RelayRecord {
  const createdAt = BASE_TIME + i * 1000;
  const senderId = `U0${(i % SENDERS).toString(36).toUpperCase().padStart(8, '0')}`;
  const recipients = [0, 1, 2].map(
    (k) => `FSUID_${((i * 7 + k) % 5000).toString(16).toUpperCase().padStart(32, '0')}`,
  );
  const text = `Quote ${i} for the Shanghai customer is ready; please review the numbers before Friday's call.`;
  return makeRecord({
    id: newRelayId(createdAt),
    requestKey: `command:T0TEST:${1_000_000_000 + i}.${createdAt}.${TRIGGER_HEX}`,
    slack: refFor(i),
    senderId,
    originChannelId: channelFor(i),
    text,
    content: `sender${i % SENDERS} (Slack, general):\n${text}`,
    recipientsInput: ['sales'],
    recipients,
    serviceId: 'FSAID_svc0001',
    batches: [
      makeBatch(0, {
        recipients,
        status: 'sent',
        thirdTraceId: randomUUID(),
        traceId: `E-O.emu.${i}.a1b2c3d4`,
        messageId: `emumsg-${i}-9f8e`,
        sentAt: createdAt + 180,
      }),
    ],
    status: 'sent',
    createdAt,
    updatedAt: createdAt + 240,
  });
}

async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function run(job: StoreJob): Promise<StoreResult> {
  const notes: string[] = [];
  const rssStart = process.memoryUsage().rss;
  let store: RelayStore;
  let redis: Redis | undefined;
  let memoryBefore = 0;
  const prefix = `fxb-bench:${Date.now()}-${process.pid}:`;
  const dbPath = join(job.dir, 'store-bench.db');
  let postgres: BenchDatabase | undefined;
  if (job.kind === 'sqlite') {
    store = openSqliteStore({ path: dbPath });
  } else if (job.kind === 'postgres') {
    try {
      postgres = await BenchDatabase.create(job.postgresUrl);
    } catch (error) {
      return skipped(
        job,
        `PostgreSQL not reachable (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    store = await openPostgresStore({ url: postgres.url, ...DEFAULTS.postgres });
  } else {
    try {
      store = await openRedisStore({ url: job.redisUrl, keyPrefix: prefix, connectTimeout: 2_000 });
    } catch (error) {
      return skipped(job, `Redis not reachable (${error instanceof Error ? error.message : String(error)})`);
    }
    redis = new Redis(job.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    await redis.connect();
    memoryBefore = await redisUsedMemory(redis);
  }

  try {
    const tenth = Math.max(1, Math.floor(job.records / 10));
    let insertMs = 0;
    const tenths: Array<{ n: number; ms: number }> = [];
    let rssPeak = process.memoryUsage().rss;
    for (let start = 0; start < job.records; start += job.insertBatch) {
      const batch = Array.from({ length: Math.min(job.insertBatch, job.records - start) }, (_, k) =>
        recordFor(start + k),
      );
      const began = performance.now();
      const results = await Promise.all(batch.map((record) => store.create(record)));
      const ms = performance.now() - began;
      if (results.some((result) => !result.created)) throw new Error('a benchmark record collided');
      insertMs += ms;
      const slot = Math.min(9, Math.floor(start / tenth));
      const current = tenths[slot] ?? { n: 0, ms: 0 };
      tenths[slot] = { n: current.n + batch.length, ms: current.ms + ms };
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      const done = start + batch.length;
      if (Math.floor(done / tenth) !== Math.floor(start / tenth) || done === job.records) {
        const last = tenths[slot] ?? { n: 0, ms: 1 };
        log(
          `  ${job.kind}: ${done.toLocaleString('en')} records, ${Math.round(done / (insertMs / 1000))}/s ` +
            `(this tenth ${Math.round(last.n / (last.ms / 1000))}/s)`,
        );
      }
    }

    const timings: number[] = [];
    let misses = 0;
    const lookupStarted = performance.now();
    for (let k = 0; k < job.lookups; k++) {
      const ref = refFor(Math.floor(Math.random() * job.records));
      const began = performance.now();
      const found = await store.findBySlackMessage(ref);
      timings.push(performance.now() - began);
      if (found?.slack?.ts !== ref.ts) misses += 1;
    }
    const lookupMs = performance.now() - lookupStarted;
    if (misses > 0) notes.push(`${misses} lookups did not find their record`);
    timings.sort((a, b) => a - b);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    const rss = process.memoryUsage().rss;

    let sizeBytes: number;
    let sizeLabel: string;
    if (job.kind === 'sqlite') {
      const wal = existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0;
      await store.close();
      sizeBytes = statSync(dbPath).size + (existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0);
      sizeLabel = 'database file';
      notes.push(`WAL before close ${mib(wal)} MiB`);
    } else if (postgres) {
      sizeBytes = await postgres.relaysSize();
      sizeLabel = 'table, indexes, TOAST';
    } else {
      sizeBytes = (await redisUsedMemory(redis!)) - memoryBefore;
      sizeLabel = 'Redis used_memory growth';
    }
    notes.push(`RSS at start ${mib(rssStart)} MiB`);
    return {
      kind: job.kind,
      records: job.records,
      insertMs: round(insertMs),
      insertsPerSecond: Math.round(job.records / (insertMs / 1000)),
      insertsPerSecondByTenth: tenths.map((t) => Math.round(t.n / (t.ms / 1000))),
      lookup: {
        count: timings.length,
        p50: round(percentile(timings, 50), 3),
        p99: round(percentile(timings, 99), 3),
        max: round(timings.at(-1) ?? Number.NaN, 3),
        perSecond: Math.round(timings.length / (lookupMs / 1000)),
      },
      sizeBytes,
      sizeLabel,
      rssBytes: rss,
      rssPeakBytes: rssPeak,
      notes,
    };
  } finally {
    await store.close().catch(() => undefined);
    if (postgres) {
      await postgres.drop();
      log(`  postgres: dropped database ${postgres.name}`);
    }
    if (redis) {
      const deleted = await deletePrefix(redis, prefix);
      log(`  redis: removed ${deleted.toLocaleString('en')} benchmark keys`);
      redis.disconnect();
    }
  }
}

function skipped(job: StoreJob, reason: string): StoreResult {
  const none = { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, perSecond: 0 };
  return {
    kind: job.kind,
    skipped: reason,
    records: 0,
    insertMs: 0,
    insertsPerSecond: 0,
    insertsPerSecondByTenth: [],
    lookup: none,
    sizeBytes: 0,
    sizeLabel: '',
    rssBytes: 0,
    rssPeakBytes: 0,
    notes: [],
  };
}

serve<{ op: 'run'; job: StoreJob } | { op: 'exit' }>(async (request) => {
  if (request.op === 'exit') {
    setTimeout(() => process.exit(0), 10);
    return null;
  }
  return run(request.job);
});
