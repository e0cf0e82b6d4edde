/**
 * The burst (issue 22): N `/fx-send` commands at once to a bridge process with RELAY_WORKERS=fork
 * under the default Fxiaoke budget (FXIAOKE_RATE_LIMIT_CALLS / _WINDOW_MS unset: 100 calls per
 * 20 s), its worker killed with SIGKILL once half the relays reached the emulator. Measured: the
 * acks (the sender's clock, and the bridge's own histogram), how long the relays took to drain
 * against the floor the budget allows, the busiest 20 s of send calls, and that every acked
 * command was sent once: none twice, none lost (a call under way at the kill is `unknown`, never
 * sent again). The emulator and fake Slack run in this process, the bridge in its own two.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FxiaokeEmulator, generateUsers } from '../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../dev/fakes/slack-api.js';
import { SENDER_ID, sendSlashCommand, TEST_SIGNING_SECRET } from '../dev/fakes/slack-requests.js';
import { DEFAULTS } from '../src/config.js';
import { IN_WORK } from '../src/relay/lifecycle.js';
import type { RelayRecord } from '../src/relay/types.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from '../test/e2e/harness.js';
import { BridgeProcess, bridgeEnv, freePort } from '../test/e2e/process-helpers.js';
import { type Distribution, distribution } from './stats.js';

export interface BurstResult {
  commands: number;
  acked: number;
  /** Sender's clock: command sent → HTTP 200. */
  ack: Distribution;
  /** The bridge's own ack histogram: acks counted, and those under 3 s. */
  bridgeAcks: { count: number; under3s: number };
  budget: { calls: number; windowMs: number };
  /** Relays that had reached the emulator when the worker was killed. */
  killedAfter: number;
  /** First command sent → last relay final (sent, or unknown after the kill). */
  drainMs: number;
  /** Least time the budget allows for the send calls: (⌈N / calls⌉ − 1) × window. */
  floorMs: number;
  /** Most send calls that reached the emulator within any one window. */
  busiestWindow: number;
  statuses: Record<string, number>;
  /** Commands whose text reached Fxiaoke twice or more (must be 0). */
  twice: number;
  /** Acked commands with no relay, or whose relay is `sent` but never reached Fxiaoke (must be 0). */
  lost: number;
  /** `unknown` relays whose call did reach Fxiaoke (told "may have been delivered"; sent once). */
  unknownArrived: number;
  workerRestarts: number;
}

function readyPids(bridge: BridgeProcess): number[] {
  return [...bridge.output.matchAll(/"pid":(\d+)[^\n]*"msg":"relay worker ready"/g)].map((match) =>
    Number(match[1]),
  );
}

async function bridgeAcks(baseUrl: string): Promise<{ count: number; under3s: number }> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const read = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? 0);
  return {
    count: read(/^fxbridge_slack_ack_seconds_count\{type="slash_command"\} (\d+)$/m),
    under3s: read(/^fxbridge_slack_ack_seconds_bucket\{le="3",type="slash_command"\} (\d+)$/m),
  };
}

async function relaysIn(dbPath: string): Promise<RelayRecord[]> {
  const store = openSqliteStore({ path: dbPath });
  try {
    return await store.listBySender(SENDER_ID, 1_000_000);
  } finally {
    await store.close();
  }
}

function busiest(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

export async function runBurst(commands: number, progress: (line: string) => void): Promise<BurstResult> {
  const [user] = generateUsers(1);
  const emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
    messageIdLocation: 'top',
    users: user ? [user] : [],
  });
  const slack = await FakeSlackApi.start({ responseUrlMaxUses: Number.POSITIVE_INFINITY });
  const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-bench-burst-'));
  let bridge: BridgeProcess | undefined;
  try {
    const configFile = join(dir, 'fx-bridge.yml');
    writeFileSync(configFile, JSON.stringify({ limits: { sendsPerUserPerMinute: 0 } }));
    const dbPath = join(dir, 'fx-bridge.db');
    const port = await freePort();
    // No FXIAOKE_RATE_LIMIT_*: the default budget. Info logs: the worker's pid is read from them.
    const env = bridgeEnv({
      emulator,
      slack,
      port,
      configFile,
      storeUrl: `sqlite:${dbPath}`,
      extra: { RELAY_WORKERS: 'fork', LOG_LEVEL: 'info' },
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    bridge = BridgeProcess.spawn(['src/main.ts'], env);
    await bridge.healthy(baseUrl, 30_000);
    const running = bridge;
    while (readyPids(running).length === 0) await sleep(50);

    const texts = Array.from({ length: commands }, (_, n) => `burst relay ${n}.`);
    const started = Date.now();
    const answers = await Promise.all(
      texts.map((text) =>
        sendSlashCommand(`${baseUrl}/slack/events`, TEST_SIGNING_SECRET, {
          text: `${user?.openUserId ?? '1000'} ${text}`,
          response_url: slack.responseUrl(),
        }).catch(() => undefined),
      ),
    );
    const acked = answers.filter((answer) => answer?.status === 200);
    progress(`  ${acked.length} of ${commands} acked; waiting for half of them to reach Fxiaoke`);
    while (emulator.messages.length < commands / 2) await sleep(100);
    const killedAfter = emulator.messages.length;
    const [worker] = readyPids(running).slice(-1);
    if (worker !== undefined) process.kill(worker, 'SIGKILL');
    progress(`  worker (pid ${worker}) killed with SIGKILL after ${killedAfter} relays reached Fxiaoke`);

    let records: RelayRecord[] = [];
    for (;;) {
      records = await relaysIn(dbPath);
      if (records.length >= acked.length && records.every((record) => !IN_WORK.includes(record.status)))
        break;
      await sleep(1_000);
    }
    const finishedAt = Math.max(...records.map((record) => record.updatedAt), started);
    const arrivals = new Map<string, number>();
    for (const message of emulator.messages) {
      const text = /burst relay \d+\./.exec(message.content)?.[0] ?? '';
      arrivals.set(text, (arrivals.get(text) ?? 0) + 1);
    }
    const statuses: Record<string, number> = {};
    for (const record of records) statuses[record.status] = (statuses[record.status] ?? 0) + 1;
    const budget = DEFAULTS.fxiaokeRateLimit;
    const result: BurstResult = {
      commands,
      acked: acked.length,
      ack: distribution(acked.map((answer) => answer?.elapsedMs ?? 0)),
      bridgeAcks: await bridgeAcks(baseUrl),
      budget,
      killedAfter,
      drainMs: finishedAt - started,
      floorMs: (Math.ceil(acked.length / budget.calls) - 1) * budget.windowMs,
      busiestWindow: busiest(
        emulator.messages.map((message) => message.at),
        budget.windowMs,
      ),
      statuses,
      twice: [...arrivals.values()].filter((count) => count > 1).length,
      lost:
        acked.length -
        records.length +
        records.filter((record) => record.status === 'sent' && !arrivals.has(record.text)).length,
      unknownArrived: records.filter((record) => record.status === 'unknown' && arrivals.has(record.text))
        .length,
      workerRestarts: readyPids(running).length - 1,
    };
    running.child.kill('SIGTERM');
    await running.exited;
    return result;
  } finally {
    await bridge?.kill('SIGKILL');
    await slack.stop();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The burst's lines of the printed report. */
export function formatBurst(burst: BurstResult): string[] {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const statuses = Object.entries(burst.statuses)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  return [
    `7. Burst: ${burst.commands} /fx-send at once, RELAY_WORKERS=fork, default budget ` +
      `(${burst.budget.calls} calls / ${seconds(burst.budget.windowMs)}), worker killed (SIGKILL) after ${burst.killedAfter} relays:`,
    `  acks: ${burst.acked} of ${burst.commands}; p50 ${burst.ack.p50} ms, p99 ${burst.ack.p99} ms, max ${burst.ack.max} ms ` +
      `(sender's clock); the bridge's own: ${burst.bridgeAcks.under3s} of ${burst.bridgeAcks.count} under 3 s`,
    `  drain: ${seconds(burst.drainMs)} from the first command to the last relay final; floor ${seconds(burst.floorMs)}; ` +
      `busiest window ${burst.busiestWindow} send calls`,
    `  relays: ${statuses}; sent twice ${burst.twice}; lost ${burst.lost}; ` +
      `unknown that did arrive ${burst.unknownArrived}; worker restarts ${burst.workerRestarts}`,
  ];
}
