/**
 * Reach: a channel routed to Fxiaoke (`forward: all`) under load, and a department of N people as
 * the recipient.
 *
 * Routed channel: signed Events API deliveries of new messages at each offered rate, to a bare Bolt
 * app (which acks every event itself: the floor) and to fx-bridge (which records each routed
 * message before its ack, then relays it), back to back on a fresh bridge. The rate budget and the
 * per-user send limit are lifted, so this measures the bridge. Passing: zero acks ≥ 3 s and zero
 * lost (every acked message's send call reached the emulator).
 *
 * Department expansion: `dept:1001` (every emulated employee) resolved by the real adapter against
 * the emulator, cold (the department list and its people fetched) and warm (cached), with the heap
 * it holds after a full GC; then the whole relay through `/fx-send dept:1001` (fanout.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FxiaokeClient } from '../src/fxiaoke/client.js';
import { FxiaokeDepartments } from '../src/fxiaoke/departments.js';
import { lookUpDepartments } from '../src/relay/departments.js';
import { resolveRecipients } from '../src/relay/recipients.js';
import { type FanoutResult, runFanout } from './fanout.js';
import type { LoadStore } from './load-store.js';
import type { BenchOptions, WorkersMode } from './options.js';
import { ROUTED_CHANNEL } from './protocol.js';
import type { StageOutcome, StageRunner } from './stages.js';
import { mib, ratio, round } from './stats.js';
import {
  type Children,
  type InstanceSummary,
  relayWorkersOf,
  startBaseline,
  startBenchBridge,
  summarize,
  withWorkerHeld,
} from './targets.js';

export interface RouteRow {
  rate: number;
  /** RELAY_WORKERS of the bridge measured (absent in results of older runs: inline). */
  workers?: WorkersMode;
  baseline: StageOutcome;
  bridge: StageOutcome;
  ratioP50: number;
  ratioP99: number;
  /** Acked messages whose send call never reached the emulator. */
  lost: number;
  pass: boolean;
}

export interface DepartmentExpansion {
  members: number;
  /** Department list and its people fetched from the emulator, then resolved. */
  coldMs: number;
  /** Both cached: resolution alone. */
  warmMs: number;
  /** Heap the cached department and the resolved list hold, after a full GC (MiB). */
  heapMiB: number;
  /** Heap growth over the cold expansion before any GC (MiB): parsing the list, mostly garbage. */
  transientMiB: number;
  /** The whole relay: `/fx-send dept:1001`, from the command to its final status. */
  relay: FanoutResult;
}

export interface BridgeSettings {
  dir: string;
  fileConfigPath: string;
  env: Record<string, string>;
  /** Where the routed-channel bridges keep their relays (`--load-store`); default SQLite. */
  store?: LoadStore;
}

export async function runRoutedChannel(
  runner: StageRunner,
  children: Children,
  options: BenchOptions,
  settings: BridgeSettings,
  instances: InstanceSummary[],
  progress: (line: string) => void,
): Promise<RouteRow[]> {
  progress('Routed channel (forward: all): message events, bare Bolt app vs fx-bridge:');
  const rows: RouteRow[] = [];
  const baseline = await startBaseline(children.fakesInfo);
  try {
    await runner.warmup(baseline, false);
    for (const rate of options.routeRates)
      for (const workers of options.workers) {
        // A fresh bridge per rate: an overloaded stage leaves no work behind for the next.
        const bridge = await startBenchBridge({
          name: `routed-${rate}${workers === 'inline' ? '' : `-${workers}`}`,
          fakes: children.fakesInfo,
          ...settings,
          env: { ...settings.env, RELAY_WORKERS: relayWorkersOf(workers) },
        });
        try {
          await runner.warmup(bridge, true);
          const messagesIn = ROUTED_CHANNEL;
          const base = await runner.run(baseline, rate, options.durationMs, {
            e2e: false,
            emulatorLatencyMs: 0,
            messagesIn,
          });
          const ours = await withWorkerHeld(bridge, workers, options.durationMs + 500, () =>
            runner.run(bridge, rate, options.durationMs, { e2e: true, emulatorLatencyMs: 0, messagesIn }),
          );
          const lost = ours.e2e?.undelivered ?? ours.acked;
          const row: RouteRow = {
            rate,
            workers,
            baseline: base,
            bridge: ours,
            ratioP50: ratio(ours.ack.p50, base.ack.p50),
            ratioP99: ratio(ours.ack.p99, base.ack.p99),
            lost,
            pass: ours.lateAcks === 0 && lost === 0 && ours.errorCount === 0,
          };
          rows.push(row);
          progress(
            `  ${String(rate).padStart(5)}/s ${workers.padEnd(6)}: ack p99 bare ${base.ack.p99} ms, bridge ${ours.ack.p99} ms; ` +
              `acks ≥ 3 s ${ours.lateAcks}; lost ${lost}; ${ours.e2e?.relaysPerSecond ?? 0} relays/s; ` +
              `${row.pass ? 'pass' : 'FAIL'}`,
          );
        } finally {
          await bridge.stop().catch(() => undefined);
          instances.push(await summarize(bridge));
        }
      }
  } finally {
    await baseline.stop().catch(() => undefined);
  }
  return rows;
}

/** A full GC, through V8's own switch (the bench runs without --expose-gc). */
function collect(): void {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

export async function runDepartmentExpansion(
  runner: StageRunner,
  children: Children,
  options: BenchOptions,
  settings: BridgeSettings & { limiterInBuild: boolean },
  progress: (line: string) => void,
): Promise<DepartmentExpansion> {
  const { fakesInfo } = children;
  progress(`Department expansion: dept:1001 (${options.fanoutRecipients} people):`);
  const client = new FxiaokeClient({
    timeoutMs: 30_000,
    baseUrl: fakesInfo.emulatorUrl,
    appId: fakesInfo.appId,
    appSecret: fakesInfo.appSecret,
    permanentCode: fakesInfo.permanentCode,
    authMode: 'header',
    userId: '1000',
    retry: { maxRetries: 0 },
  });
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  try {
    await client.checkCredentials(); // the token is not the expansion's
    const departments = new FxiaokeDepartments({ client, ttlMs: 600_000, log: silent });
    const expand = async () => {
      const found = await lookUpDepartments(departments, ['dept:1001']);
      return resolveRecipients(['dept:1001'], { aliases: {}, slackUsers: {} }, 1_000_000, found);
    };
    collect();
    const heapBefore = process.memoryUsage().heapUsed;
    const coldStart = performance.now();
    const cold = await expand();
    const coldMs = performance.now() - coldStart;
    const heapTransient = process.memoryUsage().heapUsed;
    const warmStart = performance.now();
    const warm = await expand();
    const warmMs = performance.now() - warmStart;
    collect();
    const heapAfter = process.memoryUsage().heapUsed;
    const members = cold.ok ? cold.recipients.length : 0;
    if (!cold.ok || !warm.ok) throw new Error(`dept:1001 did not resolve: ${JSON.stringify(cold)}`);
    progress(
      `  cold ${round(coldMs)} ms, warm ${round(warmMs)} ms, ${members} people, heap ${mib(heapAfter - heapBefore)} MiB`,
    );
    const relay = await runFanout(runner, {
      name: 'department',
      dir: settings.dir,
      fileConfigPath: settings.fileConfigPath,
      env: settings.env,
      recipients: options.fanoutRecipients,
      limiterInBuild: settings.limiterInBuild,
      recipientsToken: 'dept:1001',
    });
    progress(`  relay: ${relay.status} in ${relay.wallMs} ms (${relay.batches} batches)`);
    return {
      members,
      coldMs: round(coldMs),
      warmMs: round(warmMs),
      heapMiB: mib(heapAfter - heapBefore),
      transientMiB: mib(heapTransient - heapBefore),
      relay,
    };
  } finally {
    await client.close().catch(() => undefined);
  }
}

interface Formatting {
  table(headers: string[], rows: string[][]): string;
  num(value: number | null | undefined, digits?: number): string;
  times(value: number): string;
}

/** Sections 4a and 4b of the printed report. */
export function formatReach(
  routes: readonly RouteRow[] | undefined,
  departments: DepartmentExpansion | undefined,
  { table, num, times }: Formatting,
): string[] {
  const out: string[] = [];
  if (routes && routes.length > 0) {
    out.push(
      '',
      '4a. Routed channel (forward: all): signed message events → HTTP 200, bare Bolt app vs fx-bridge:',
    );
    out.push(
      table(
        [
          'offered/s',
          'workers',
          'bare p50',
          'bare p99',
          'bridge p50',
          'bridge p99',
          'ratio p99',
          'acks ≥ 3 s',
          'lost',
          'relays/s',
          'errors',
          '',
        ],
        routes.map((row) => [
          num(row.rate),
          row.workers ?? 'inline',
          num(row.baseline.ack.p50),
          num(row.baseline.ack.p99),
          num(row.bridge.ack.p50),
          num(row.bridge.ack.p99),
          times(row.ratioP99),
          num(row.bridge.lateAcks),
          num(row.lost),
          num(row.bridge.e2e?.relaysPerSecond ?? 0, 1),
          num(row.baseline.errorCount + row.bridge.errorCount),
          row.pass ? 'pass' : 'FAIL',
        ]),
      ),
    );
    out.push(
      '  (milliseconds; each message recorded before its ack, then relayed; lost = acked, never reached the emulator)',
    );
  }
  if (departments) {
    const relay = departments.relay;
    out.push('', `4b. Department expansion: dept:1001, ${num(departments.members)} people:`);
    out.push(
      table(
        [
          'cold ms',
          'warm ms',
          'heap held MiB',
          'heap transient MiB',
          'relay status',
          'relay wall ms',
          'batches',
          'delivered',
        ],
        [
          [
            num(departments.coldMs),
            num(departments.warmMs),
            num(departments.heapMiB, 1),
            num(departments.transientMiB, 1),
            relay.status,
            num(relay.wallMs, 0),
            num(relay.batches),
            num(relay.delivered),
          ],
        ],
      ),
    );
    out.push(
      '  (cold: department list and its people fetched, then resolved; warm: both cached; heap held: after a full GC;',
      '   transient: growth during the cold expansion before any GC, the answer being parsed;',
      '   relay: /fx-send dept:1001 from the command to its final status, budget lifted)',
    );
  }
  return out;
}
