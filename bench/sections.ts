/**
 * The load sections: ack latency against the bare Bolt app, end to end at each emulator latency,
 * and the step-up search for the sustained relay rate. Each section gets a fresh bridge instance
 * (own SQLite file, own token), so an overloaded stage cannot leave work behind for the next section.
 */
import type { LoadStore } from './load-store.js';
import type { BenchOptions, WorkersMode } from './options.js';
import { type ProfileSummary, startProfiler } from './profile.js';
import type { StageOutcome, StageRunner } from './stages.js';
import { ratio } from './stats.js';
import {
  type BridgeTarget,
  type Children,
  type InstanceSummary,
  relayWorkersOf,
  startBaseline,
  startBenchBridge,
  summarize,
  type Target,
  withWorkerHeld,
} from './targets.js';

export interface AckRow {
  rate: number;
  /** RELAY_WORKERS of the bridge measured (absent in results of older runs: inline). */
  workers?: WorkersMode;
  baseline: StageOutcome;
  bridge: StageOutcome;
  ratioP50: number;
  ratioP99: number;
}

export interface SustainedStep {
  rate: number;
  outcome: StageOutcome;
  pass: boolean;
  /** Why the step failed ('' when it passed). */
  reason: string;
}

export interface LoadSections {
  ack: AckRow[];
  e2e: StageOutcome[];
  sustained: { steps: SustainedStep[]; bestOfferedRate: number; relaysPerSecond: number } | undefined;
  instances: InstanceSummary[];
  /** With --profile: where the bridge process spent its CPU during the sustained section. */
  profile?: ProfileSummary;
  /**
   * With --profile: where this process's CPU went in the ack section's stages at the highest rate,
   * the bare app's stage and each mode's bridge stage (a forked worker's CPU is its own).
   */
  ackProfiles?: Array<{ target: string; rate: number; profile: ProfileSummary }>;
}

/** Passing means: no errors, every ack < 3 s, every acked relay delivered, and no backlog building up. */
export function judgeStep(outcome: StageOutcome): string {
  const e2e = outcome.e2e;
  if (outcome.errorCount > 0) return `${outcome.errorCount} request errors`;
  if (!(outcome.ack.max < 3000)) return `slowest ack ${Math.round(outcome.ack.max)} ms`;
  if (!e2e) return '';
  if (e2e.undelivered > 0) return `${e2e.undelivered} relays not delivered`;
  const fxErrors = Object.values(e2e.fxiaokeErrors).reduce((total, n) => total + n, 0);
  if (fxErrors > 0) return `${fxErrors} Fxiaoke errors`;
  if (e2e.relaysPerSecond < 0.9 * outcome.rate) return `relays fell behind (${e2e.relaysPerSecond}/s)`;
  return '';
}

export async function runLoadSections(
  runner: StageRunner,
  children: Children,
  options: BenchOptions,
  bridgeSettings: { dir: string; fileConfigPath: string; env: Record<string, string>; store?: LoadStore },
  progress: (line: string) => void,
): Promise<LoadSections> {
  const { sections } = options;
  const instances: InstanceSummary[] = [];
  const result: LoadSections = { ack: [], e2e: [], sustained: undefined, instances };

  /** Runs `body` against a fresh, warmed-up bridge instance, then stops it and keeps its summary. */
  const withBridge = async (
    name: string,
    body: (bridge: BridgeTarget) => Promise<void>,
    workers: WorkersMode = 'inline',
  ) => {
    const bridge = await startBenchBridge({
      name,
      fakes: children.fakesInfo,
      ...bridgeSettings,
      env: { ...bridgeSettings.env, RELAY_WORKERS: relayWorkersOf(workers) },
    });
    try {
      await runner.warmup(bridge, true);
      await body(bridge);
    } finally {
      await bridge.stop().catch(() => undefined);
      instances.push(await summarize(bridge));
    }
  };
  const measure = async (target: Target, rate: number, latency: number, relays: boolean) => {
    const outcome = await runner.run(target, rate, options.durationMs, {
      e2e: relays,
      emulatorLatencyMs: latency,
    });
    progress(
      `  ${target.name.padEnd(10)} ${String(rate).padStart(5)}/s fx ${latency} ms: ack p50 ${outcome.ack.p50} ` +
        `p99 ${outcome.ack.p99} ms, errors ${outcome.errorCount}` +
        (outcome.e2e
          ? `, e2e p99 ${outcome.e2e.arrival.p99} ms, ${outcome.e2e.relaysPerSecond} relays/s`
          : ''),
    );
    return outcome;
  };

  /** Runs a stage, CPU-profiled when `profiled` (its summary kept in `result.ackProfiles`). */
  const profiledStage = async <T>(
    profiled: boolean,
    target: string,
    rate: number,
    stage: () => Promise<T>,
  ): Promise<T> => {
    if (!profiled) return stage();
    const profiler = await startProfiler();
    try {
      return await stage();
    } finally {
      result.ackProfiles ??= [];
      result.ackProfiles.push({ target, rate, profile: await profiler.stop() });
    }
  };

  if (sections.has('ack')) {
    progress('Ack latency, bare Bolt app vs fx-bridge (and end to end at 0 ms):');
    const baseline = await startBaseline(children.fakesInfo);
    try {
      await runner.warmup(baseline, false);
      for (const workers of options.workers) {
        const name = workers === 'inline' ? 'bridge' : `bridge-${workers}`;
        await withBridge(
          name,
          async (bridge) => {
            for (const rate of options.rates) {
              // Back to back at each rate, so drift on a shared machine hits both alike.
              const profiled = options.profile && rate === Math.max(...options.rates);
              const base = await profiledStage(profiled, baseline.name, rate, () =>
                measure(baseline, rate, 0, false),
              );
              const ours = await profiledStage(profiled, name, rate, () =>
                withWorkerHeld(bridge, workers, options.durationMs + 500, () =>
                  measure(bridge, rate, 0, true),
                ),
              );
              result.ack.push({
                rate,
                workers,
                baseline: base,
                bridge: ours,
                ratioP50: ratio(ours.ack.p50, base.ack.p50),
                ratioP99: ratio(ours.ack.p99, base.ack.p99),
              });
              result.e2e.push(ours);
            }
          },
          workers,
        );
      }
    } finally {
      await baseline.stop().catch(() => undefined);
    }
  }

  if (sections.has('e2e')) {
    progress('End to end:');
    for (const latency of options.latencies) {
      if (latency === 0 && sections.has('ack')) continue; // the ack runs measured it already
      await runner.setEmulatorLatency(latency);
      try {
        await withBridge(`bridge-fx${latency}`, async (bridge) => {
          for (const rate of options.rates) result.e2e.push(await measure(bridge, rate, latency, true));
        });
      } finally {
        await runner.setEmulatorLatency(0);
      }
    }
  }

  if (sections.has('sustained')) {
    progress('Sustained relay rate (step up until a step fails):');
    const steps: SustainedStep[] = [];
    // The design under test: the last mode given (fork by default), profiled with --profile.
    const workers = options.workers.filter((mode) => mode !== 'receiver').at(-1) ?? 'inline';
    const name = workers === 'inline' ? 'bridge-steps' : `bridge-steps-${workers}`;
    await withBridge(
      name,
      async (bridge) => {
        const profiler = options.profile ? await startProfiler() : undefined;
        for (const rate of options.stepRates) {
          const outcome = await runner.run(bridge, rate, options.stepDurationMs, {
            e2e: true,
            emulatorLatencyMs: 0,
          });
          const reason = judgeStep(outcome);
          steps.push({ rate, outcome, pass: reason === '', reason });
          progress(
            `  ${String(rate).padStart(5)}/s: ${reason === '' ? 'pass' : `fail (${reason})`}, ack p99 ` +
              `${outcome.ack.p99} ms, ${outcome.e2e?.relaysPerSecond ?? 0} relays/s`,
          );
          if (reason !== '') break;
        }
        if (profiler) result.profile = await profiler.stop();
      },
      workers,
    );
    const best = steps.filter((step) => step.pass).at(-1);
    result.sustained = {
      steps,
      bestOfferedRate: best?.rate ?? 0,
      relaysPerSecond: best?.outcome.e2e?.relaysPerSecond ?? 0,
    };
  }
  return result;
}
