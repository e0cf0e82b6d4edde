/**
 * `--only flood`: signed-command ack latency while unsigned 4 MB `[[[[…]]]]` JSON bodies keep
 * arriving (eight in flight at all times), against the same without the flood, for a bare Bolt app
 * and for the fx-bridge process, all in one run. Both targets run in child processes; the load
 * comes from this one (commands, with the emulator and the fake Slack API) and from a flood child.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { FakeSlackApi } from '../dev/fakes/slack-api.js';
import { sendSlashCommand, TEST_SIGNING_SECRET } from '../dev/fakes/slack-requests.js';
import { REPO_ROOT } from '../test/e2e/process-helpers.js';
import { startBenchWorld } from './sqlite-bridge.js';
import { type Distribution, distribution, ratio, sleep } from './stats.js';

export interface FloodRow {
  target: 'bare Bolt' | 'fx-bridge';
  quiet: Distribution;
  flood: Distribution;
  /** Signed commands not acked 200 during the flood. */
  failedDuringFlood: number;
  /** How the unsigned bodies were answered, and how long each took. */
  floodStatuses: Record<string, number>;
  floodAnswer: Distribution;
}

const COMMANDS = 40;
const IN_FLIGHT = 8;

/** Ack times of the commands answered 200; `failed` counts the others (other status, reset). */
async function acks(eventsUrl: string, slack: FakeSlackApi): Promise<{ times: number[]; failed: number }> {
  const times: number[] = [];
  let failed = 0;
  for (let i = 0; i < COMMANDS; i += 1) {
    const result = await sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
      text: `team flood bench ${i}`,
      response_url: slack.responseUrl(),
    }).catch(() => undefined);
    if (result?.status === 200) times.push(result.elapsedMs);
    else failed += 1;
    await sleep(25);
  }
  return { times, failed };
}

async function measure(
  target: FloodRow['target'],
  eventsUrl: string,
  slack: FakeSlackApi,
): Promise<FloodRow> {
  await acks(eventsUrl, slack); // warm-up
  const quiet = await acks(eventsUrl, slack);
  const child = spawn(process.execPath, ['bench/flood-child.mjs', eventsUrl, String(IN_FLIGHT)], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const next = () => once(lines, 'line').then(([line]) => String(line));
  await next(); // started
  await sleep(200);
  const flood = await acks(eventsUrl, slack);
  child.stdin.end();
  const { statuses, answers } = JSON.parse(await next()) as {
    statuses: Record<string, number>;
    answers: number[];
  };
  return {
    target,
    quiet: distribution(quiet.times),
    flood: distribution(flood.times),
    failedDuringFlood: flood.failed,
    floodStatuses: statuses,
    floodAnswer: distribution(answers),
  };
}

async function startBareBolt(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-bolt.ts'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return {
    url: line.trim(),
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function runUnsignedFlood(): Promise<FloodRow[]> {
  const world = await startBenchWorld('flood');
  let bare: { url: string; stop: () => Promise<void> } | undefined;
  try {
    bare = await startBareBolt();
    const rows = [await measure('bare Bolt', bare.url, world.slack)];
    await bare.stop();
    bare = undefined;
    const { baseUrl } = await world.startBridge();
    rows.push(await measure('fx-bridge', `${baseUrl}/slack/events`, world.slack));
    return rows;
  } finally {
    await bare?.stop();
    await world.close();
  }
}

export function formatUnsignedFlood(rows: FloodRow[]): string[] {
  const lines = [
    `Unsigned flood: signed /fx-send ack (ms), ${COMMANDS} one after another, quiet vs ${IN_FLIGHT} unsigned ` +
      '4 MB [[[[…]]]] bodies in flight:',
  ];
  for (const row of rows) {
    const statuses = Object.entries(row.floodStatuses)
      .map(([status, count]) => `${count}× ${status}`)
      .join(', ');
    lines.push(
      `  ${row.target.padEnd(10)} quiet p50 ${row.quiet.p50} p99 ${row.quiet.p99} · flood p50 ${row.flood.p50} ` +
        `p99 ${row.flood.p99} max ${row.flood.max} (×${ratio(row.flood.p99, row.quiet.p99)} p99) · ` +
        `${row.failedDuringFlood} not acked · unsigned answered ${statuses}, p50 ${row.floodAnswer.p50} p99 ${row.floodAnswer.p99}`,
    );
  }
  const [bare, bridge] = rows;
  if (bare && bridge) {
    lines.push(
      `  fx-bridge / bare Bolt under the flood: ack p99 ${ratio(bridge.flood.p99, bare.flood.p99)}×`,
    );
  }
  return lines;
}
