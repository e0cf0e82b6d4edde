/** The printed tables and the JSON files under bench/results/. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { type BurstResult, formatBurst } from './burst.js';
import type { FanoutResult } from './fanout.js';
import type { StoreResult } from './protocol.js';
import { type DepartmentExpansion, formatReach, type RouteRow } from './routes.js';
import type { LoadSections } from './sections.js';
import { formatSqliteLock, type SqliteLockResult } from './sqlite-lock.js';
import type { StageOutcome } from './stages.js';
import { mib } from './stats.js';
import type { InstanceSummary } from './targets.js';
import { type FloodRow, formatUnsignedFlood } from './unsigned-flood.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${platform()} ${arch()}`,
  };
}

export interface BenchReport {
  startedAt: string;
  mode: 'quick' | 'default' | 'custom';
  durationSeconds: number;
  machine: Machine;
  /** 1-minute load average at the start and the end: other work on the machine skews every number. */
  loadAverage: { start: number; end: number };
  options: Record<string, unknown>;
  load: LoadSections | undefined;
  fanout: FanoutResult[];
  stores: StoreResult[];
  /** Every bridge instance the run started, in order. */
  instances: InstanceSummary[];
  /** Successful token answers the emulator gave over the whole run. */
  emulatorTokenFetches: number | undefined;
  /** Wall time of each part of the run. */
  sectionSeconds: Record<string, number>;
  sqliteLock?: SqliteLockResult;
  unsignedFlood?: FloodRow[];
  /** A channel routed to Fxiaoke under load (routes.ts). */
  routes?: RouteRow[];
  /** A department as the recipient: its expansion and its relay (routes.ts). */
  departments?: DepartmentExpansion;
  /** A burst under the default budget with the worker killed half way (burst.ts). */
  burst?: BurstResult;
}

/** null is how NaN comes back through JSON/IPC. */
function num(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const fraction = Number.isInteger(value) ? 0 : digits;
  return value.toLocaleString('en', { minimumFractionDigits: fraction, maximumFractionDigits: fraction });
}

function times(value: number): string {
  return Number.isFinite(value) ? `×${value.toFixed(2)}` : '–';
}

/** Plain-text table; numbers (and anything starting with a digit) are right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const cell = (text: string, i: number) =>
    /^[\d×–.,-]/.test(text) ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0);
  const line = (cells: string[]) => `  ${cells.map(cell).join('  ').trimEnd()}`;
  return [line(headers), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.map(line)].join('\n');
}

function errorsText(outcome: StageOutcome): string {
  if (outcome.errorCount === 0) return '0';
  return Object.entries(outcome.errors)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

export function loadAverageNow(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

export function formatMachine(m: Machine): string {
  return `${m.cpu} · ${m.cores} cores · ${m.memoryGiB} GiB RAM · Node ${m.node} · ${m.platform}`;
}

export function formatReport(report: BenchReport): string {
  const out: string[] = [];
  out.push(`fx-bridge benchmark · ${report.startedAt} · ${report.mode} run · ${report.durationSeconds} s`);
  out.push(`Machine: ${formatMachine(report.machine)}`);
  out.push(
    `Load average (1 min): ${num(report.loadAverage.start)} at the start, ${num(report.loadAverage.end)} at the end`,
  );
  const load = report.load;
  if (load || report.routes)
    out.push(`Relays of the load sections kept in: ${String(report.options.loadStore ?? 'sqlite')}`);
  if (load && load.ack.length > 0) {
    out.push('', `1. Ack latency (signed /fx-send → HTTP 200), bare Bolt app vs fx-bridge, open loop:`);
    out.push(
      table(
        [
          'offered/s',
          'workers',
          'sent/s',
          'bare p50',
          'bare p99',
          'bridge p50',
          'bridge p99',
          'ratio p50',
          'ratio p99',
          'acks ≥ 3 s',
          'CPU ms/ack',
          'errors',
        ],
        load.ack.map((row) => [
          num(row.rate),
          row.workers ?? 'inline',
          `${num(row.baseline.achievedRate, 0)} / ${num(row.bridge.achievedRate, 0)}`,
          num(row.baseline.ack.p50),
          num(row.baseline.ack.p99),
          num(row.bridge.ack.p50),
          num(row.bridge.ack.p99),
          times(row.ratioP50),
          times(row.ratioP99),
          `${num(row.baseline.lateAcks)} / ${num(row.bridge.lateAcks)}`,
          `${num(row.baseline.cpuMsPerRequest, 2)} / ${num(row.bridge.cpuMsPerRequest, 2)}`,
          `${errorsText(row.baseline)} / ${errorsText(row.bridge)}`,
        ]),
      ),
    );
    out.push(
      '  (milliseconds; pairs are bare / bridge; ratio = bridge ÷ bare; an ack ≥ 3 s is a timeout in Slack;' +
        ' CPU ms/ack: the process taking the requests, a forked worker not included)',
    );
    for (const { target, rate, profile } of load.ackProfiles ?? []) {
      out.push(`  CPU profile, ${target} at ${num(rate)}/s (${profile.busyPercent}% busy; ${profile.file}):`);
      out.push(`    ${profile.components.map((c) => `${c.component} ${c.percent}%`).join(' · ')}`);
    }
  }
  if (load && load.e2e.length > 0) {
    out.push(
      '',
      '2. End to end (command sent → send call arrives at / is answered by the Fxiaoke emulator):',
    );
    out.push(
      table(
        [
          'bridge',
          'fx latency',
          'offered/s',
          'relays',
          'arrive p50',
          'arrive p99',
          'answer p50',
          'answer p99',
          'relays/s',
          'ack p99',
          'lost',
          'fx errors',
        ],
        load.e2e.map((outcome) => {
          const e2e = outcome.e2e;
          return [
            outcome.target,
            `${outcome.emulatorLatencyMs} ms`,
            num(outcome.rate),
            num(e2e?.delivered),
            num(e2e?.arrival.p50),
            num(e2e?.arrival.p99),
            num(e2e?.answered.p50),
            num(e2e?.answered.p99),
            num(e2e?.relaysPerSecond, 1),
            num(outcome.ack.p99),
            num(e2e?.undelivered),
            Object.entries(e2e?.fxiaokeErrors ?? {})
              .map(([code, count]) => `${count}×${code}`)
              .join(' ') || '0',
          ];
        }),
      ),
    );
    out.push(
      '  (ms from the generator sending the command; lost: acked but never reached the emulator, see 6)',
    );
  }
  if (load?.sustained) {
    const s = load.sustained;
    out.push('', '3. Sustained relays/s with every ack under 3 s (step up until a step fails):');
    out.push(
      table(
        ['offered/s', 'relays/s', 'ack p99', 'ack max', 'arrive p99', 'result'],
        s.steps.map((step) => [
          num(step.rate),
          num(step.outcome.e2e?.relaysPerSecond, 1),
          num(step.outcome.ack.p99),
          num(step.outcome.ack.max),
          num(step.outcome.e2e?.arrival.p99),
          step.pass ? 'pass' : `fail: ${step.reason}`,
        ]),
      ),
    );
    const profile = load.profile;
    if (profile) {
      out.push(`  CPU profile of the bridge process (${profile.busyPercent}% busy; ${profile.file}):`);
      out.push(`    ${profile.components.map((c) => `${c.component} ${c.percent}%`).join(' · ')}`);
    }
    out.push(
      `  → ${num(s.relaysPerSecond, 1)} relays/s sustained (best passing step: ${num(s.bestOfferedRate)}/s offered)`,
    );
  }
  const fanouts = report.fanout;
  const first = fanouts[0];
  if (first) {
    out.push(
      '',
      `4. Fan-out: one relay to ${num(first.recipients)} recipients (${first.batches} send calls of ≤ 500):`,
    );
    out.push(
      table(
        [
          'instance',
          'rate budget',
          'status',
          'wall ms',
          'floor ms',
          'wall−floor',
          'fx span ms',
          'emulator ms',
          'gap/batch ms',
          'delivered',
        ],
        fanouts.map((f) => [
          f.name,
          f.rateBudget
            ? `${f.rateBudget.calls} / ${f.rateBudget.windowMs} ms`
            : f.limiterInBuild
              ? 'not found in config'
              : 'no limiter in build',
          f.status,
          num(f.wallMs, 0),
          num(f.minimumMs, 0),
          num(Math.round(f.wallMs - f.minimumMs)),
          num(f.fxiaokeSpanMs),
          num(f.emulatorMs),
          num(f.gapMeanMs),
          num(f.delivered),
        ]),
      ),
    );
    out.push(
      '  (floor: least time the budget allows for the calls; gap/batch: from one answer to the next call,' +
        " the bridge's own work plus any limiter wait)",
    );
  }
  out.push(...formatReach(report.routes, report.departments, { table, num, times }));
  if (report.stores.length > 0) {
    out.push('', '5. Store (RelayStore interface, realistic finished relays):');
    out.push(
      table(
        [
          'store',
          'records',
          'inserts/s',
          'first/last 10%',
          'lookup p50 ms',
          'lookup p99 ms',
          'lookups/s',
          'size MiB',
          'RSS MiB (peak)',
        ],
        report.stores.map((s) =>
          s.skipped
            ? [s.kind, `skipped: ${s.skipped}`]
            : [
                s.kind,
                num(s.records),
                num(s.insertsPerSecond),
                `${num(s.insertsPerSecondByTenth[0])} / ${num(s.insertsPerSecondByTenth.at(-1))}`,
                num(s.lookup.p50, 3),
                num(s.lookup.p99, 3),
                num(s.lookup.perSecond),
                `${num(mib(s.sizeBytes), 1)} (${s.sizeLabel})`,
                `${num(mib(s.rssBytes), 1)} (${num(mib(s.rssPeakBytes), 1)})`,
              ],
        ),
      ),
    );
    for (const s of report.stores) if (s.notes.length > 0) out.push(`  ${s.kind}: ${s.notes.join('; ')}`);
  }
  if (report.instances.length > 0) {
    out.push('', '6. Bridge instances: Fxiaoke token fetches (expected 1 each) and relays by final status:');
    out.push(
      table(
        ['instance', 'token fetches', 'relays', 'warn/error log lines'],
        report.instances.map((instance) => [
          instance.name,
          num(instance.tokenFetches),
          Object.entries(instance.relays)
            .map(([status, n]) => `${n.toLocaleString('en')} ${status}`)
            .join(', ') || '0',
          num(
            (instance.logLevels.warn ?? 0) +
              (instance.logLevels.error ?? 0) +
              (instance.logLevels.fatal ?? 0),
          ),
        ]),
      ),
    );
    out.push(
      `  The emulator answered ${num(report.emulatorTokenFetches)} token requests over the whole run.`,
    );
    for (const instance of report.instances) {
      if (instance.logSamples.length > 0)
        out.push(`  ${instance.name} logged: ${instance.logSamples.join(' | ')}`);
    }
  }
  if (report.burst) out.push('', ...formatBurst(report.burst));
  if (report.sqliteLock) out.push('', ...formatSqliteLock(report.sqliteLock));
  if (report.unsignedFlood) out.push('', ...formatUnsignedFlood(report.unsignedFlood));
  const parts = Object.entries(report.sectionSeconds).map(([name, seconds]) => `${name} ${seconds} s`);
  if (parts.length > 0) out.push('', `Time: ${parts.join(', ')}; total ${report.durationSeconds} s`);
  return out.join('\n');
}

/** Writes the run under its timestamp and as latest.json; each through a .tmp file and a rename. */
export function writeResults(report: BenchReport, directory: URL): string {
  mkdirSync(directory, { recursive: true });
  const stamp = report.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const written: string[] = [];
  for (const name of [`${stamp}.json`, 'latest.json']) {
    const path = new URL(name, directory);
    const tmp = new URL(`${name}.tmp`, directory);
    writeFileSync(tmp, json);
    renameSync(tmp, path);
    written.push(path.pathname);
  }
  return written[0] ?? '';
}
