/**
 * `--only sqlite-lock`: a bridge process on a SQLite file, commands at a steady rate and `/healthz`
 * polled throughout, first on a quiet file, then while another process takes the file's write lock
 * (BEGIN IMMEDIATE) in bursts, as a `sqlite3` shell or a backup tool would. Reports ack and
 * `/healthz` latency for both phases of one run, the ratio, and whether every command was relayed.
 * The emulator and the fake Slack API run in this process (three recipients: cheap to serve).
 */
import { join } from 'node:path';
import type { FxiaokeEmulator } from '../dev/fakes/fxiaoke-emulator.js';
import type { FakeSlackApi } from '../dev/fakes/slack-api.js';
import { sendSlashCommand, TEST_SIGNING_SECRET } from '../dev/fakes/slack-requests.js';
import { SqliteLockHolder } from '../test/sqlite-lock.js';
import { startBenchWorld } from './sqlite-bridge.js';
import { type Distribution, distribution, ratio, sleep } from './stats.js';

export interface SqliteLockPhase {
  name: 'quiet' | 'lock bursts';
  ack: Distribution;
  healthz: Distribution;
  commands: number;
  relayed: number;
  failedAcks: number;
}

export interface SqliteLockResult {
  rate: number;
  phaseMs: number;
  burst: { holdMs: number; everyMs: number };
  phases: SqliteLockPhase[];
  lockedLogLines: number;
}

const RATE = 20;
const HOLD_MS = 300;
const EVERY_MS = 1_000;

async function phase(
  name: SqliteLockPhase['name'],
  baseUrl: string,
  durationMs: number,
  emulator: FxiaokeEmulator,
  slack: FakeSlackApi,
  holder: SqliteLockHolder | undefined,
): Promise<SqliteLockPhase> {
  const eventsUrl = `${baseUrl}/slack/events`;
  const before = emulator.messages.length;
  const acks: number[] = [];
  const health: number[] = [];
  const commands: Promise<void>[] = [];
  let failedAcks = 0;
  const end = performance.now() + durationMs;

  const bursts = (async () => {
    while (holder && performance.now() < end) {
      await holder.lock();
      await sleep(HOLD_MS);
      await holder.release();
      await sleep(EVERY_MS - HOLD_MS);
    }
  })();
  const probes = (async () => {
    while (performance.now() < end) {
      const started = performance.now();
      const response = await fetch(`${baseUrl}/healthz`);
      await response.text();
      health.push(performance.now() - started);
      await sleep(50);
    }
  })();
  for (let i = 0; performance.now() < end; i += 1) {
    const text = `team bench ${name} ${i}`;
    commands.push(
      sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, { text, response_url: slack.responseUrl() }).then(
        (result) => {
          if (result.status === 200) acks.push(result.elapsedMs);
          else failedAcks += 1;
        },
      ),
    );
    await sleep(1000 / RATE);
  }
  await Promise.all([bursts, probes, ...commands]);
  const wanted = before + commands.length;
  await slack.waitFor(() => emulator.messages.length >= wanted, 20_000).catch(() => undefined);
  return {
    name,
    ack: distribution(acks),
    healthz: distribution(health),
    commands: commands.length,
    relayed: emulator.messages.length - before,
    failedAcks,
  };
}

export async function runSqliteLock(phaseMs: number): Promise<SqliteLockResult> {
  const world = await startBenchWorld('lock');
  const { emulator, slack } = world;
  let holder: SqliteLockHolder | undefined;
  try {
    const dbPath = join(world.dir, 'fx-bridge.db');
    const { bridge, baseUrl } = await world.startBridge(dbPath);
    // Warm-up: token, address book, JIT.
    await phase('quiet', baseUrl, 1_000, emulator, slack, undefined);
    const quiet = await phase('quiet', baseUrl, phaseMs, emulator, slack, undefined);
    holder = await SqliteLockHolder.start(dbPath);
    const locked = await phase('lock bursts', baseUrl, phaseMs, emulator, slack, holder);
    return {
      rate: RATE,
      phaseMs,
      burst: { holdMs: HOLD_MS, everyMs: EVERY_MS },
      phases: [quiet, locked],
      lockedLogLines: bridge.output.split('\n').filter((line) => line.includes('database is locked')).length,
    };
  } finally {
    await holder?.kill();
    await world.close();
  }
}

export function formatSqliteLock(result: SqliteLockResult): string[] {
  const lines = [
    `SQLite lock: ${result.rate} commands/s for ${result.phaseMs / 1000} s per phase; another process holds ` +
      `the write lock ${result.burst.holdMs} ms of every ${result.burst.everyMs} ms in the second (ms):`,
  ];
  for (const p of result.phases) {
    lines.push(
      `  ${p.name.padEnd(12)} ack p50 ${p.ack.p50} p99 ${p.ack.p99} max ${p.ack.max} · ` +
        `/healthz p50 ${p.healthz.p50} p99 ${p.healthz.p99} max ${p.healthz.max} · ` +
        `relayed ${p.relayed}/${p.commands}, failed acks ${p.failedAcks}`,
    );
  }
  const [quiet, locked] = result.phases;
  if (quiet && locked) {
    lines.push(
      `  ratio lock/quiet: ack p99 ${ratio(locked.ack.p99, quiet.ack.p99)}×, ` +
        `/healthz p99 ${ratio(locked.healthz.p99, quiet.healthz.p99)}×; "database is locked" in the log: ${result.lockedLogLines}`,
    );
  }
  return lines;
}
