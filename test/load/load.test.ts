/**
 * Load: 2,000 signed `/fx-send` commands offered at a steady 100/s (the relay rate the bridge
 * sustains on these machines, docs/benchmarks.md) by an open-loop timer (it never waits for
 * answers) to the bridge running as its own process (`src/main.ts`, SQLite file store), the
 * emulator answering at once. Checked: every command acked 200 within Slack's 3 s by the bridge's
 * own clock (its `fxbridge_slack_ack_seconds` histogram, request read to ack sent), every command
 * ends in a receipt and a `sent` record (no error anywhere), and the bridge's memory stays flat
 * between the end of a 500-command warm-up (same rate) and the end of the run: its live heap after
 * a full GC (read through the inspector), and its RSS.
 *
 * The ack as seen from here (less this process's own lateness) is printed, not asserted: it also
 * counts the wait before the bridge reads the request, which is relay work on the same event loop
 * and grows with the machine's load (the issue "Acks that never wait for relay work"; measured by
 * `npm run bench` against bare Bolt). When this process itself stalls, the schedule slides rather
 * than fire a burst of what fell due meanwhile. Waits poll for what they wait for (receipts; the
 * bridge's `fxbridge_queue_depth` at 0 before memory is read), never a fixed sleep.
 *
 * The bridge has a core to itself: the load generator, the fake Slack and the emulator share this
 * process. This file runs in its own phase of `npm test`, after the rest of the suite, so no other
 * test file competes for the two cores (see vitest.config.ts).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Agent, type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { sendSlashCommand, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from '../e2e/harness.js';
import { type BridgeProcess, BridgeProcesses, bridgeEnv, freePort } from '../e2e/process-helpers.js';
import { inspectorUrl, type Memory, memoryAfterGc } from './inspector.js';

/** The notice a sender gets while their relay waits in the queue (slack/jobs/relay-jobs.ts). */
const QUEUED_NOTICE = /^:hourglass_flowing_sand: Queued: fx-bridge is busy;/;
const TOTAL = 2_000;
const RATE = 100;
const WARMUP = 500;
const ACK_LIMIT_MS = 3_000;
/** A timer tick this late means the load generator itself was not running (setTimeout(…, 1)). */
const STALL_MS = 50;
/** Generous: RSS also holds what V8 and malloc keep for later. A leak of 50 KB a relay would show. */
const RSS_GROWTH_LIMIT_MB = 100;
/** Live heap after a full GC: a leak of 6 KB a relay over the 2,000 measured ones would show. */
const HEAP_GROWTH_LIMIT_MB = 12;
/** Senders; each sends TOTAL / SENDERS commands, below the default per-user send limit (20/min). */
const SENDERS = 200;

/** SQLite's own checkpoints (every 1,000 pages) keep the WAL near 4 MB; one that never restarts would pass this. */
const WAL_LIMIT_MB = 48;
const MB = 1024 * 1024;

const tagOf = (index: number) => `ld${String(index).padStart(5, '0')}q`;
const TAG = /ld\d{5}q/;

/** One sample of the bridge's /metrics (Prometheus text), by its full name with labels. */
async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('load', () => {
  let emulator: FxiaokeEmulator;
  let slack: FakeSlackApi;
  let bridge: BridgeProcess;
  let dir: string;
  let dbPath: string;
  let eventsUrl: string;
  let baseUrl: string;
  let inspector: string;
  const children = new BridgeProcesses();
  /**
   * A connection per command, as from many Slack servers. Kept-alive connections would sit idle
   * through the waits between phases, and one reused just as the bridge closes it after 5 s idle
   * resets (ECONNRESET): a race between two loaded processes, not a defect of the bridge.
   */
  const freshConnections = new Agent({ pipelining: 0 });
  let previousDispatcher: Dispatcher;

  beforeAll(async () => {
    previousDispatcher = getGlobalDispatcher();
    setGlobalDispatcher(freshConnections);
    emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      users: generateUsers(TOTAL, 'Load User'),
    });
    slack = await FakeSlackApi.start();
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-load-'));
    dbPath = join(dir, 'fx-bridge.db');
    const port = await freePort();
    const env = bridgeEnv({
      emulator,
      slack,
      port,
      storeUrl: `sqlite:${dbPath}`,
      extra: {
        // The client's pacing is not the subject: the budget is far above the offered rate.
        FXIAOKE_RATE_LIMIT_CALLS: '100000',
        // Nor is Fxiaoke's deadline: the emulator shares this process with the load generator and
        // the fake Slack, and on a busy machine it can answer late though it never waits on purpose.
        FXIAOKE_TIMEOUT_MS: '30000',
        FXIAOKE_RATE_LIMIT_WINDOW_MS: '1000',
        LOG_LEVEL: 'warn',
      },
    });
    baseUrl = `http://127.0.0.1:${port}`;
    eventsUrl = `${baseUrl}/slack/events`;
    bridge = children.start(['--inspect=127.0.0.1:0', 'src/main.ts'], env);
    await bridge.healthy(baseUrl, 60_000);
    const url = inspectorUrl(bridge.output);
    if (!url) throw new Error(`the bridge did not print its inspector URL:\n${bridge.output}`);
    inspector = url;
  }, 90_000);

  afterAll(async () => {
    await children.killAll();
    setGlobalDispatcher(previousDispatcher);
    await freshConnections.destroy();
    await slack?.stop();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(`takes ${TOTAL} commands at ${RATE}/s: every ack under 3 s by the bridge's clock, every one relayed, memory flat`, async () => {
    const users = emulator.users.map((user) => user.openUserId);
    const command = (text: string, sender: number) =>
      sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
        text,
        user_id: `U0LOAD${sender}`,
        user_name: `load.sender.${sender}`,
        response_url: slack.responseUrl(),
      });
    // One command first, so the token and the address book are loaded before the clock starts.
    await command(`${users[0]} warm-up`, SENDERS);
    await expect.poll(() => emulator.messages.length, { timeout: 20_000 }).toBe(1);

    const acks: number[] = [];
    const statuses = new Map<number, number>();
    const lags: number[] = [];
    /** Per command: its ack as this process saw it, less this process's own worst lateness then. */
    const correctedAcks: number[] = [];
    const memory: ({ at: string } & Memory)[] = [];
    /** Drops the fakes' request recordings (not the bridge's state): they would grow with the run. */
    const trimRecordings = () => {
      slack.calls.length = 0;
      emulator.requests.length = 0;
    };

    const receipts = new Set<string>();
    let scanned = 0;
    const scanReceipts = () => {
      for (; scanned < slack.messages.length; scanned++) {
        const tag = TAG.exec(JSON.stringify(slack.messages[scanned]!.blocks ?? ''))?.[0];
        if (tag) receipts.add(tag);
      }
    };

    /** What a receipt wait that timed out was missing, and what the bridge said about it. */
    const missingReceipts = (expected: number) => {
      const missing = Array.from({ length: expected }, (_, index) => tagOf(index)).filter(
        (tag) => !receipts.has(tag),
      );
      const inFxiaoke = new Set(emulator.messages.flatMap((message) => TAG.exec(message.content) ?? []));
      const told = slack.responses
        .map((call) => String(call.body.text ?? ''))
        .filter((text) => !QUEUED_NOTICE.test(text));
      const errors = bridge.output.split('\n').filter((line) => /"level":(40|50|60)/.test(line));
      return (
        `${receipts.size} of ${expected} receipts; missing ${missing.slice(0, 5).join(', ')}` +
        ` (${missing.filter((tag) => inFxiaoke.has(tag)).length} of the ${missing.length} are in Fxiaoke);` +
        ` senders told: ${JSON.stringify(told.slice(0, 5))}; bridge warnings: ${errors.slice(-5).join('\n')}`
      );
    };

    const fire = async (index: number, due: number) => {
      lags.push(performance.now() - due);
      const response = await command(
        `${users[index % users.length]} Load ${tagOf(index)} ok`,
        index % SENDERS,
      ).catch((error: unknown) => {
        const tail = bridge.output.split('\n').slice(-15).join('\n');
        throw new Error(
          `command ${tagOf(index)} failed: ${String(error)} (${String((error as Error).cause)}); ` +
            `bridge running: ${bridge.running}; its last output:\n${tail}`,
        );
      });
      acks.push(response.elapsedMs);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      return response.elapsedMs;
    };

    /**
     * Open loop: command i is due at t0 + i / RATE, whatever happened to the ones before it. Then
     * waits for every receipt, and samples the bridge's memory once it is quiet (a full GC in the
     * bridge would pause it, so never while commands are being offered).
     */
    /** How far the schedule slid for stalls of this process (reported, not asserted). */
    let slidMs = 0;
    const phase = async (label: string, from: number, count: number) => {
      const interval = 1000 / RATE;
      const inFlight: Promise<number>[] = [];
      const ownDelay = monitorEventLoopDelay({ resolution: 10 });
      ownDelay.enable();
      const t0 = performance.now();
      let sent = 0;
      let lastTick = t0;
      let slid = 0;
      await new Promise<void>((resolve) => {
        const tick = () => {
          const now = performance.now();
          // This process stalled (a busy machine): slide the schedule by the stall instead of
          // firing what fell due in one burst, a load this test does not claim to offer.
          if (now - lastTick > STALL_MS) slid += now - lastTick;
          lastTick = now;
          const start = t0 + slid;
          const due = Math.min(count, Math.floor((now - start) / interval) + 1);
          for (; sent < due; sent++) inFlight.push(fire(from + sent, start + sent * interval));
          if (sent >= count) resolve();
          else setTimeout(tick, 1);
        };
        tick();
      });
      const offeredS = (performance.now() - t0) / 1000;
      slidMs += slid;
      const phaseAcks = await Promise.all(inFlight);
      ownDelay.disable();
      const ownLatenessMs = 2 * (ownDelay.max / 1e6);
      for (const ack of phaseAcks) correctedAcks.push(ack - ownLatenessMs);
      // Every receipt, then nothing left under way in the bridge (receipts are keyed just after
      // posting): polled, however long a busy machine takes; the test's timeout is the bound.
      await vi.waitFor(
        () => {
          scanReceipts();
          if (receipts.size < from + count) throw new Error(missingReceipts(from + count));
        },
        { timeout: 120_000, interval: 50 },
      );
      const relayedS = (performance.now() - t0) / 1000;
      await expect
        .poll(async () => (await scrape(baseUrl)).get('fxbridge_queue_depth'), {
          timeout: 60_000,
          interval: 50,
        })
        .toBe(0);
      trimRecordings();
      memory.push({ at: label, ...(await memoryAfterGc(inspector)) });
      return { offeredS, relayedS, ownLatenessMs };
    };

    const warmup = await phase('after warm-up', 0, WARMUP);
    const run = await phase('end', WARMUP, TOTAL);

    const walMb = existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size / MB : 0;
    const sorted = [...acks].sort((a, b) => a - b);
    const sortedLags = [...lags].sort((a, b) => a - b);
    const metrics = await scrape(baseUrl);
    const ackSeries = (suffix: string) => metrics.get(`fxbridge_slack_ack_seconds_${suffix}`) ?? Number.NaN;
    console.log(
      `load: ${WARMUP} warm-up + ${TOTAL} commands offered at ${RATE}/s in ${warmup.offeredS.toFixed(1)} + ` +
        `${run.offeredS.toFixed(1)} s (timer lag p50 ${percentile(sortedLags, 50).toFixed(1)} ms, ` +
        `max ${sortedLags.at(-1)?.toFixed(0)} ms, schedule slid ${slidMs.toFixed(0)} ms for stalls of this process), ` +
        `${receipts.size} receipts, the last ${run.relayedS.toFixed(1)} s ` +
        `after the run began — ack p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, ` +
        `max ${sorted.at(-1)?.toFixed(1)} ms, ${correctedAcks.filter((ack) => ack >= ACK_LIMIT_MS).length} of 3 s or more ` +
        `(this process's own lateness ${warmup.ownLatenessMs.toFixed(0)} / ` +
        `${run.ownLatenessMs.toFixed(0)} ms); by the bridge's clock ` +
        `${ackSeries('bucket{le="0.1",type="slash_command"}')} of ${ackSeries('count{type="slash_command"}')} ` +
        `under 100 ms — bridge RSS / live heap after GC: ` +
        memory
          .map((each) => `${each.at} ${each.rssMb.toFixed(0)}/${each.heapUsedMb.toFixed(1)} MB`)
          .join(', ') +
        ` — SQLite WAL ${walMb.toFixed(1)} MB`,
    );

    const all = WARMUP + TOTAL;
    expect(acks).toHaveLength(all);
    expect([...statuses]).toEqual([[200, all]]);
    // Slack's contract, not a speed target: an ack after 3 s is an error the user sees. By the
    // bridge's clock every ack (and the warm-up's) is in the histogram's 3 s bucket...
    expect(ackSeries('count{type="slash_command"}')).toBe(all + 1);
    expect(ackSeries(`bucket{le="${ACK_LIMIT_MS / 1000}",type="slash_command"}`)).toBe(all + 1);
    // As seen from here, waiting in the bridge's socket counts too: printed above, not asserted.
    // That wait is the relays' work on the same event loop (issue "Acks that never wait for relay
    // work"): it grows with the machine's load, not with anything the bridge got wrong, and a test
    // may not depend on the machine's speed. `npm run bench` measures it against bare Bolt.
    expect(receipts.size).toBe(all);
    // No error anywhere: Fxiaoke holds every message once, no sender was told of a failure.
    expect(emulator.messages).toHaveLength(all + 1);
    const tags = emulator.messages.flatMap((message) => TAG.exec(message.content) ?? []);
    expect(new Set(tags).size).toBe(all);
    // A "Queued: fx-bridge is busy" notice is no failure: it tells a sender their relay waits
    // behind others, which a busy shared machine can cause at this rate. Anything else is.
    const answers = slack.responses.map((call) => String(call.body.text ?? ''));
    const queued = answers.filter((text) => QUEUED_NOTICE.test(text));
    if (queued.length > 0) console.log(`load: ${queued.length} senders were told their relay was queued`);
    expect(answers.filter((text) => !QUEUED_NOTICE.test(text))).toEqual([]);
    expect(bridge.running).toBe(true);
    // Checkpoints keep up: the WAL restarts instead of growing with every relay.
    expect(walMb).toBeLessThan(WAL_LIMIT_MB);
    const store = openSqliteStore({ path: dbPath });
    try {
      const records = await store.listRecent(all + 10);
      expect(records).toHaveLength(all + 1);
      expect(records.filter((record) => record.status !== 'sent').map((record) => record.status)).toEqual([]);
    } finally {
      await store.close();
    }
    const [baseline, end] = memory;
    expect(end!.heapUsedMb - baseline!.heapUsedMb).toBeLessThan(HEAP_GROWTH_LIMIT_MB);
    expect(end!.rssMb - baseline!.rssMb).toBeLessThan(RSS_GROWTH_LIMIT_MB);
  }, 300_000);
});
