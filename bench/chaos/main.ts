/**
 * `npm run chaos -- --seed N --ops 1000`: one seeded fault campaign against the real bridge
 * processes, then the checker. Prints the figures and every violation with its seed, operation
 * and the history to replay; exits 1 when there is a violation, 2 on a usage error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../test/e2e/process-helpers.js';
import { MIXES, type MixName } from './plan.js';
import { formatViolation } from './report.js';
import { type CampaignOptions, type CampaignResult, runCampaign, TIGHT_BUDGET } from './run.js';
import { SCENARIOS, type ScenarioName, scenarioPlan } from './scenarios.js';
import type { BackendKind } from './world.js';

const USAGE = `npm run chaos -- [flags]
  --seed N            the seed (default 1): the same seed plans the same operations
  --ops N             operations to plan (default 200)
  --mix NAME          ${Object.keys(MIXES).join(' | ')} (default full)
  --store KIND        sqlite (one replica) | redis (two replicas, a private redis-server) |
                      postgres (two replicas, a private PostgreSQL cluster) (default sqlite)
  --budget C/MS       every replica's Fxiaoke budget, calls per window (default ${TIGHT_BUDGET.calls}/${TIGHT_BUDGET.windowMs})
  --only 3,17,42      run only these operations of the plan (a violation's replay line)
  --scenario NAME     a plan written by hand for one defect: ${Object.keys(SCENARIOS).join(', ')}
  --settle-timeout S  seconds everything may take to settle (default 120)
  --response-url-ttl S  seconds a response_url works (default 1800, Slack's 30 minutes)
  --install           the bridges in install mode: the workspace installed and connected in the store
  --workers fork      RELAY_WORKERS=fork: each replica carries sends and revokes out in its forked worker
  --json FILE         also write the history, violations and figures as JSON
  --quiet             no progress lines`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a whole number, got ${value}`);
  return n;
}

function summary(result: CampaignResult): string {
  const { stats, violations } = result;
  const byRule = new Map<string, number>();
  for (const violation of violations) byRule.set(violation.rule, (byRule.get(violation.rule) ?? 0) + 1);
  const kinds = Object.entries(stats.byKind)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  return [
    `chaos · seed ${result.options.seed} · ${result.options.mix} mix · ${result.options.backend}${result.options.install ? ' · install mode' : ''}${result.options.workers === 'fork' ? ' · RELAY_WORKERS=fork' : ''}`,
    `  operations      ${stats.operations} (${stats.skipped} found nothing to act on): ${kinds}`,
    `  faults injected ${stats.faults} (Fxiaoke ${stats.faults - stats.kills - stats.storeOutages}, of which ${stats.faultsMet} met a send or revoke; kill -9 ${stats.kills}; store outages ${stats.storeOutages})`,
    `  Slack requests  ${stats.deliveries} delivered, ${stats.acked} acked with 200 (${stats.slowAcks} acks took 3 s or more)`,
    `  what users read ${stats.statements} answers, receipts and DMs`,
    `  Fxiaoke         ${stats.fxCalls} send/revoke calls, ${stats.fxMessages} messages accepted; ${stats.relays} relays in the store`,
    `  time            ${(stats.runMs / 1000).toFixed(1)} s running, ${(stats.settleMs / 1000).toFixed(1)} s settling${stats.settled ? '' : ' (did not settle)'}`,
    `  violations      ${violations.length}${byRule.size > 0 ? ` (${[...byRule].map(([rule, n]) => `${rule} ${n}`).join(', ')})` : ''}`,
    ...(result.unclassified.length > 0
      ? [`  unclassified    ${result.unclassified.length} lines the checker could not read (see --json)`]
      : []),
  ].join('\n');
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      options: {
        seed: { type: 'string' },
        ops: { type: 'string' },
        mix: { type: 'string' },
        store: { type: 'string' },
        budget: { type: 'string' },
        only: { type: 'string' },
        scenario: { type: 'string' },
        'settle-timeout': { type: 'string' },
        'response-url-ttl': { type: 'string' },
        json: { type: 'string' },
        quiet: { type: 'boolean' },
        install: { type: 'boolean' },
        workers: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const mix = (values.mix as string | undefined) ?? 'full';
  if (!(mix in MIXES)) fail(`--mix must be one of ${Object.keys(MIXES).join(', ')}`);
  const backend = (values.store as string | undefined) ?? 'sqlite';
  if (!['sqlite', 'redis', 'postgres'].includes(backend)) fail('--store must be sqlite, redis or postgres');
  let rateBudget: { calls: number; windowMs: number } | undefined;
  if (typeof values.budget === 'string') {
    const match = /^(\d+)\/(\d+)$/.exec(values.budget);
    if (!match) fail('--budget is calls/milliseconds, e.g. 4/2000');
    rateBudget = { calls: Number(match[1]), windowMs: Number(match[2]) };
  }
  const only =
    typeof values.only === 'string'
      ? values.only.split(',').map((part) => integer(part, 'only', 0))
      : undefined;
  const quiet = values.quiet === true;
  const scenarioName = values.scenario as string | undefined;
  if (scenarioName !== undefined && !(scenarioName in SCENARIOS))
    fail(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);
  const scenario = scenarioName ? SCENARIOS[scenarioName as ScenarioName] : undefined;
  if (scenario && !quiet) process.stderr.write(`scenario ${scenarioName}: ${scenario.about}\n`);
  const seed = integer(values.seed as string | undefined, 'seed', 1);
  const ops = integer(values.ops as string | undefined, 'ops', 200);
  const workers = (values.workers as string | undefined) ?? 'inline';
  if (workers !== 'inline' && workers !== 'fork') fail('--workers must be inline or fork');
  const base: CampaignOptions = {
    seed,
    ops,
    mix: mix as MixName,
    backend: backend as BackendKind,
    ...(rateBudget ? { rateBudget } : {}),
    ...(only ? { only } : {}),
    settleTimeoutMs: integer(values['settle-timeout'] as string | undefined, 'settle-timeout', 120) * 1000,
    responseUrlTtlMs:
      integer(values['response-url-ttl'] as string | undefined, 'response-url-ttl', 1800) * 1000,
    ...(quiet ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
    ...(values.install === true ? { install: true } : {}),
    ...(workers === 'fork' ? { workers } : {}),
  };
  const result = await runCampaign(
    scenario ? { ...base, ...scenario.options, plan: scenarioPlan(scenario) } : base,
  );
  const replay = scenario
    ? `npm run chaos -- --scenario ${scenarioName}`
    : `npm run chaos -- --seed ${seed} --ops ${ops} --mix ${mix} --store ${backend}${rateBudget ? ` --budget ${rateBudget.calls}/${rateBudget.windowMs}` : ''}${values.install === true ? ' --install' : ''}${workers === 'fork' ? ' --workers fork' : ''}`;
  for (const violation of result.violations)
    process.stdout.write(`${formatViolation(result.history, violation, replay)}\n\n`);
  process.stdout.write(`${summary(result)}\n`);
  if (typeof values.json === 'string') {
    const file = values.json.startsWith('/') ? values.json : join(REPO_ROOT, values.json);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify(
        {
          stats: result.stats,
          violations: result.violations,
          unclassified: result.unclassified,
          history: result.history,
          outputs: result.outputs,
        },
        null,
        1,
      ),
    );
  }
  process.exitCode = result.violations.length > 0 ? 1 : 0;
}

await main();
