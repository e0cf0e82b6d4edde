/**
 * `npm run bench`: fx-bridge against a bare Bolt app, end to end through the Fxiaoke emulator,
 * the sustained relay rate, a 10,000-recipient fan-out, a routed channel and a 10,000-person
 * department, and the stores. Everything on loopback:
 * the bridge runs here, the load generator and the fakes in child processes, each store run in
 * a child of its own. Progress goes to stderr; the table to stdout; the JSON to bench/results/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateUsers } from '../dev/fakes/fxiaoke-emulator.js';
import { formatBurst, runBurst } from './burst.js';
import { runFanout } from './fanout.js';
import { ChildRpc, forkBench } from './ipc.js';
import { type BenchOptions, BenchUsageError, parseOptions } from './options.js';
import type { StoreJob, StoreResult } from './protocol.js';
import { ROUTED_CHANNEL } from './protocol.js';
import {
  type BenchReport,
  formatMachine,
  formatReport,
  loadAverageNow,
  machine,
  writeResults,
} from './report.js';
import { runDepartmentExpansion, runRoutedChannel } from './routes.js';
import { runLoadSections } from './sections.js';
import { formatSqliteLock, runSqliteLock } from './sqlite-lock.js';
import { StageRunner } from './stages.js';
import { buildHasRateLimiter, startChildren, stopChildren } from './targets.js';
import { formatUnsignedFlood, runUnsignedFlood } from './unsigned-flood.js';

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function runStore(job: StoreJob): Promise<StoreResult> {
  const rpc = new ChildRpc<{ op: 'run'; job: StoreJob } | { op: 'exit' }>(forkBench('./store.ts'));
  try {
    return await rpc.call<StoreResult>({ op: 'run', job });
  } finally {
    await rpc.call({ op: 'exit' }).catch(() => undefined);
    await rpc.exit();
  }
}

function budgetEnv(calls: number | undefined, windowMs: number | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (calls !== undefined) env.FXIAOKE_RATE_LIMIT_CALLS = String(calls);
  if (windowMs !== undefined) env.FXIAOKE_RATE_LIMIT_WINDOW_MS = String(windowMs);
  return env;
}

/**
 * The bridge instances of the fan-out: the configured budget (the build's default unless given),
 * and one that binds, to see how close to the floor the limiter paces. Budget variables are passed
 * only when this build reads them.
 */
function fanoutRuns(options: BenchOptions, limiterInBuild: boolean) {
  if (!limiterInBuild) {
    if (options.fxRateCalls !== undefined || options.fxRateWindowMs !== undefined)
      progress('note: --fx-rate-* ignored: this build has no Fxiaoke rate limiter');
    return [{ name: 'fanout', env: {} }];
  }
  const runs = [{ name: 'fanout', env: budgetEnv(options.fxRateCalls, options.fxRateWindowMs) }];
  const tight = options.fanoutTight;
  if (tight) runs.push({ name: 'fanout-tight', env: budgetEnv(tight.calls, tight.windowMs) });
  return runs;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const mode = argv.length === 0 ? 'default' : argv.length === 1 && options.quick ? 'quick' : 'custom';
  const facts = machine();
  progress(`fx-bridge benchmark (${mode}) on ${formatMachine(facts)}`);

  const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-bench-'));
  const report: BenchReport = {
    startedAt,
    mode,
    durationSeconds: 0,
    machine: facts,
    loadAverage: { start: loadAverageNow(), end: 0 },
    options: { ...options, sections: [...options.sections] },
    load: undefined,
    fanout: [],
    stores: [],
    instances: [],
    emulatorTokenFetches: undefined,
    sectionSeconds: {},
  };
  /** Wall time per part, so a run that overshoots its budget shows where. */
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const began = performance.now();
    try {
      return await work();
    } finally {
      report.sectionSeconds[name] = Math.round((performance.now() - began) / 1000);
    }
  };
  try {
    const { sections } = options;
    const limiterInBuild = buildHasRateLimiter();
    // The load sections measure the bridge, not the budget (by default 100 calls per 20 s).
    const env = limiterInBuild ? budgetEnv(100_000, 1_000) : {};
    const loadSections = sections.has('ack') || sections.has('e2e') || sections.has('sustained');
    const reach = sections.has('routes') || sections.has('departments');
    const loadStore = {
      kind: options.loadStore,
      redisUrl: options.redisUrl,
      postgresUrl: options.postgresUrl,
    };
    if (loadSections || sections.has('fanout') || reach) {
      // JSON is YAML: the alias for the fan-out, and room for that many recipients. One simulated
      // user sends every command, so the per-user send limit is off: it would measure the limit.
      const fileConfigPath = join(dir, 'fx-bridge.yml');
      const members = generateUsers(options.fanoutRecipients).map((user) => user.openUserId);
      writeFileSync(
        fileConfigPath,
        JSON.stringify({
          aliases: { everyone: members },
          maxRecipients: Math.max(5000, members.length),
          limits: { sendsPerUserPerMinute: 0 },
          // The routed channel's messages go to one employee, as the slash commands do.
          routes: { [ROUTED_CHANNEL]: { to: ['1000'], forward: 'all' } },
        }),
      );
      const children = await startChildren(options.fanoutRecipients);
      const runner = new StageRunner(children, options);
      try {
        if (loadSections) {
          report.load = await timed('load', () =>
            runLoadSections(
              runner,
              children,
              options,
              { dir, fileConfigPath, env, store: loadStore },
              progress,
            ),
          );
          report.instances.push(...report.load.instances);
        }
        if (sections.has('fanout')) {
          progress(`Fan-out to ${options.fanoutRecipients} recipients:`);
          for (const run of fanoutRuns(options, limiterInBuild)) {
            const result = await timed(run.name, () =>
              runFanout(runner, {
                ...run,
                dir,
                fileConfigPath,
                recipients: options.fanoutRecipients,
                limiterInBuild,
              }),
            );
            report.fanout.push(result);
            report.instances.push(result.instance);
            progress(`  ${run.name}: ${result.status} in ${result.wallMs} ms (${result.batches} batches)`);
          }
        }
        if (sections.has('routes')) {
          report.routes = await timed('routes', () =>
            runRoutedChannel(
              runner,
              children,
              options,
              { dir, fileConfigPath, env, store: loadStore },
              report.instances,
              progress,
            ),
          );
        }
        if (sections.has('departments')) {
          report.departments = await timed('departments', () =>
            runDepartmentExpansion(
              runner,
              children,
              options,
              { dir, fileConfigPath, env, limiterInBuild },
              progress,
            ),
          );
          report.instances.push(report.departments.relay.instance);
        }
        await runner.harvest();
        report.emulatorTokenFetches = runner.tokenFetches;
      } finally {
        await stopChildren(children);
      }
    }

    if (sections.has('store')) {
      const kinds: StoreJob['kind'][] = [
        'sqlite',
        ...(options.redis ? (['redis'] as const) : []),
        ...(options.postgres ? (['postgres'] as const) : []),
      ];
      for (const kind of kinds) {
        progress(`Store: ${options.records.toLocaleString('en')} records into ${kind}`);
        const storeDir = join(dir, `store-${kind}`);
        mkdirSync(storeDir, { recursive: true });
        const job = {
          kind,
          records: options.records,
          lookups: options.lookups,
          insertBatch: options.insertBatch,
          redisUrl: options.redisUrl,
          postgresUrl: options.postgresUrl,
          dir: storeDir,
        };
        const result = await timed(`store-${kind}`, () => runStore(job));
        if (result.skipped) progress(`  skipped: ${result.skipped}`);
        report.stores.push(result);
      }
    }
    if (sections.has('burst')) {
      progress(
        `Burst: ${options.burst} commands, default budget, RELAY_WORKERS=fork, worker killed half way`,
      );
      report.burst = await timed('burst', () => runBurst(options.burst, progress));
      for (const line of formatBurst(report.burst)) progress(`  ${line}`);
    }
    if (sections.has('sqlite-lock')) {
      progress('SQLite lock: a bridge on a SQLite file, quiet and while another process takes the lock');
      report.sqliteLock = await timed('sqlite-lock', () => runSqliteLock(options.quick ? 3_000 : 8_000));
      for (const line of formatSqliteLock(report.sqliteLock)) progress(`  ${line}`);
    }
    if (sections.has('flood')) {
      progress('Unsigned flood: signed acks with and without unsigned 4 MB bodies, bare Bolt and fx-bridge');
      report.unsignedFlood = await timed('flood', () => runUnsignedFlood());
      for (const line of formatUnsignedFlood(report.unsignedFlood)) progress(`  ${line}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  report.durationSeconds = Math.round((performance.now() - started) / 1000);
  report.loadAverage.end = loadAverageNow();
  const written = writeResults(report, new URL('./results/', import.meta.url));
  console.log(formatReport(report));
  console.log(`\nJSON: ${written} (and bench/results/latest.json; bench/results/ is not committed)`);
  if (options.saveReference) {
    writeFileSync(new URL('./reference.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
    console.log('Reference: bench/reference.json updated; commit it with the docs that quote it.');
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof BenchUsageError) {
      console.error(`bench: ${error.message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
