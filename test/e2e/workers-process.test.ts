/**
 * RELAY_WORKERS=fork with real processes: `src/main.ts` records and acks, and its forked worker
 * sends. A burst of commands with the worker killed (SIGKILL) half way, and one with the receiver
 * killed half way and started again: every acked command reaches Fxiaoke once (a call that may have
 * left when the worker died is never sent again and its relay says so), nothing stays in work, and
 * every ack was under Slack's 3 s by the bridge's own clock (its ack histogram).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { SENDER_ID, sendSlashCommand, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { IN_WORK } from '../../src/relay/lifecycle.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { waitFor } from '../poll.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { type BridgeProcess, BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';

const SEND = '/cgi/app/message/send';
const BURST = 40;

let emulator: FxiaokeEmulator | undefined;
let slack: FakeSlackApi | undefined;
let dir: string | undefined;
const children = new BridgeProcesses();
/** Worker pids this test saw, killed after it should any outlive its receiver. */
const workerPids = new Set<number>();

afterEach(async () => {
  await children.killAll();
  for (const pid of workerPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  workerPids.clear();
  await slack?.stop();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  slack = undefined;
  emulator = undefined;
  dir = undefined;
});

async function setUp() {
  const users = generateUsers(20);
  emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
    messageIdLocation: 'top',
    users,
  });
  // Slow enough that the burst is still going out when a process is killed.
  emulator.addFault({ fault: { type: 'latency', ms: 150 }, path: SEND, times: Number.POSITIVE_INFINITY });
  slack = await FakeSlackApi.start();
  dir = mkdtempSync(join(tmpdir(), 'fx-bridge-workers-'));
  const dbPath = join(dir, 'fx-bridge.db');
  const port = await freePort();
  // One sender sends the whole burst: no per-user limit in the way.
  const configFile = join(dir, 'fx-bridge.yml');
  writeFileSync(configFile, 'limits:\n  sendsPerUserPerMinute: 0\n');
  const env = bridgeEnv({
    emulator,
    slack,
    port,
    configFile,
    storeUrl: `sqlite:${dbPath}`,
    // A short budget window: the replacement of a killed worker waits out the dead one's calls in it (kept in the file).
    extra: { RELAY_WORKERS: 'fork', RELAY_CONCURRENCY: '4', FXIAOKE_RATE_LIMIT_WINDOW_MS: '2000' },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return { emulator, slack, env, dbPath, baseUrl, eventsUrl: `${baseUrl}/slack/events`, users };
}

/** The pid of the worker the receiver reported ready most recently (its log line). */
function latestWorkerPid(bridge: BridgeProcess, after = 0): number | undefined {
  const pids = [...bridge.output.matchAll(/"pid":(\d+)[^\n]*"msg":"relay worker ready"/g)].map((match) =>
    Number(match[1]),
  );
  const pid = pids.slice(after).at(-1);
  if (pid !== undefined) workerPids.add(pid);
  return pid;
}

function readyCount(bridge: BridgeProcess): number {
  return [...bridge.output.matchAll(/"msg":"relay worker ready"/g)].length;
}

async function relays(dbPath: string): Promise<RelayRecord[]> {
  const store = openSqliteStore({ path: dbPath });
  try {
    return await store.listBySender(SENDER_ID, 1_000);
  } finally {
    await store.close();
  }
}

/** Every ack in the receiver's histogram was under 3 s (Slack's limit), by the bridge's own clock. */
async function acksUnder3s(baseUrl: string): Promise<{ count: number; under3s: number }> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const count = Number(
    /^fxbridge_slack_ack_seconds_count\{type="slash_command"\} (\d+)$/m.exec(metrics)?.[1],
  );
  const under3s = Number(
    /^fxbridge_slack_ack_seconds_bucket\{le="3",type="slash_command"\} (\d+)$/m.exec(metrics)?.[1],
  );
  return { count, under3s };
}

/** Polls the store until the whole burst is recorded and nothing of it is in work any more. */
async function settled(dbPath: string): Promise<void> {
  await waitFor(
    async () => {
      const all = await relays(dbPath);
      const left = all.filter((record) => IN_WORK.includes(record.status)).length;
      if (all.length !== BURST || left > 0) throw new Error(`${all.length} relays, ${left} still in work`);
    },
    { timeout: 60_000, interval: 100 },
  );
}

async function burst(eventsUrl: string, fake: FakeSlackApi, to: string, texts: string[]): Promise<number[]> {
  const acks = await Promise.all(
    texts.map((text) =>
      sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
        text: `${to} ${text}`,
        response_url: fake.responseUrl(),
      }),
    ),
  );
  return acks.map((ack) => ack.status);
}

/** Each text reached Fxiaoke at most once; exactly once unless its relay says it may have. */
function expectSentOnce(fx: FxiaokeEmulator, records: RelayRecord[], texts: string[]): void {
  expect(records).toHaveLength(texts.length);
  const unknown = records.filter((record) => record.status === 'unknown').length;
  console.info(`burst of ${texts.length}: ${unknown} may have been delivered (a call under way at the kill)`);
  for (const text of texts) {
    const arrived = fx.messages.filter((message) => message.content.endsWith(text)).length;
    const record = records.find((each) => each.text === text);
    expect(record, text).toBeDefined();
    expect(IN_WORK, text).not.toContain(record?.status);
    if (record?.status === 'unknown') expect(arrived, text).toBeLessThanOrEqual(1);
    else {
      expect(record?.status, `${text}: ${JSON.stringify(record?.error)}`).toBe('sent');
      expect(arrived, text).toBe(1);
    }
  }
}

describe('RELAY_WORKERS=fork (child processes)', () => {
  it('sends every acked command once when the worker is killed half way through a burst', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl, users } = await setUp();
    const bridge = children.start(['src/main.ts'], env);
    await bridge.healthy(baseUrl);
    await slack.waitFor(() => latestWorkerPid(bridge));
    const first = latestWorkerPid(bridge) as number;

    const texts = Array.from({ length: BURST }, (_, n) => `worker burst ${n}`);
    expect(await burst(eventsUrl, slack, users[0]!.openUserId, texts)).toEqual(texts.map(() => 200));
    await slack.waitFor(() => emulator.requestsTo(SEND).length >= BURST / 4);
    process.kill(first, 'SIGKILL');

    // The receiver starts another worker, which carries on where the dead one stopped.
    await slack.waitFor(() => (readyCount(bridge) >= 2 ? true : undefined), 20_000);
    expect(bridge.output).toContain('relay worker exited; starting another');
    await settled(dbPath);
    const records = await relays(dbPath);
    expectSentOnce(emulator, records, texts);
    expect(bridge.running).toBe(true);
    const acks = await acksUnder3s(baseUrl);
    expect(acks).toEqual({ count: BURST, under3s: BURST });
    // The receiver itself called Fxiaoke for none of them: the worker did.
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).not.toMatch(/^fxbridge_fxiaoke_calls_total\{[^}]*\} [1-9]/m);
    expect(metrics).not.toMatch(/^fxbridge_relays_total\{[^}]*\} [1-9]/m);
    // The normal receipts went out, from the worker (the receiver posts nothing itself).
    await slack.waitFor(() =>
      records
        .filter((record) => record.status === 'sent')
        .every((record) => slack.messages.some((message) => JSON.stringify(message).includes(record.text)))
        ? true
        : undefined,
    );

    bridge.child.kill('SIGTERM');
    expect(await bridge.exited, bridge.output).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('sends every acked command once when the receiver is killed half way, and its worker goes with it', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl, users } = await setUp();
    const first = children.start(['src/main.ts'], env);
    await first.healthy(baseUrl);
    await slack.waitFor(() => latestWorkerPid(first));
    const worker = latestWorkerPid(first) as number;

    const texts = Array.from({ length: BURST }, (_, n) => `receiver burst ${n}`);
    expect(await burst(eventsUrl, slack, users[1]!.openUserId, texts)).toEqual(texts.map(() => 200));
    await slack.waitFor(() => emulator.requestsTo(SEND).length >= BURST / 4);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // Its worker notices that its parent is gone, and stops.
    await slack.waitFor(() => {
      try {
        process.kill(worker, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 40_000);

    const second = children.start(['src/main.ts'], env);
    await second.healthy(baseUrl);
    await settled(dbPath);
    latestWorkerPid(second);
    expectSentOnce(emulator, await relays(dbPath), texts);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });
  }, 120_000);
});
