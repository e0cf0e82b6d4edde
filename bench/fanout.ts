/**
 * Fan-out: one `/fx-send` to an alias of N employees (N / 500 send calls, one after another),
 * on a bridge instance of its own. Wall time runs from the command to the relay's final status
 * in the store; the floor is what the configured Fxiaoke rate budget allows for that many calls.
 */

import { freshTriggerId, sendSlashCommand, TEAM_ID } from '../dev/fakes/slack-requests.js';
import { commandRequestKey } from '../src/relay/ids.js';
import type { StageRunner } from './stages.js';
import { round, sleep } from './stats.js';
import {
  type InstanceSummary,
  type RateBudget,
  SIGNING_SECRET,
  startBenchBridge,
  summarize,
} from './targets.js';

export const FANOUT_ALIAS = 'everyone';

export interface FanoutResult {
  /** Bridge instance name (one per budget). */
  name: string;
  recipients: number;
  status: string;
  ackMs: number;
  /** Command sent → relay final in the store. */
  wallMs: number;
  batches: number;
  /** Recipients the emulator accepted. */
  delivered: number;
  /** First send call arrives → last one answered. */
  fxiaokeSpanMs: number;
  /** Sum of the emulator's own time per call (a linear directory scan per recipient). */
  emulatorMs: number;
  /** Mean time from one call's answer to the next call's arrival: the bridge's work per batch. */
  gapMeanMs: number;
  chatUpdates: number;
  rateBudget: RateBudget | undefined;
  /** Least wall time the budget allows for `batches` calls: the calls beyond the first window wait. */
  minimumMs: number;
  limiterInBuild: boolean;
  instance: InstanceSummary;
}

/** With `calls` per `windowMs`, call k (0-based) can start at floor(k / calls) windows at the earliest. */
export function minimumWallMs(batches: number, budget: RateBudget | undefined): number {
  if (!budget || batches <= 0) return 0;
  return Math.floor((batches - 1) / budget.calls) * budget.windowMs;
}

export async function runFanout(
  runner: StageRunner,
  settings: {
    name: string;
    dir: string;
    fileConfigPath: string;
    env: Record<string, string>;
    recipients: number;
    limiterInBuild: boolean;
    /** Who the relay goes to (default the alias of every employee; `dept:1001` for a department). */
    recipientsToken?: string;
  },
): Promise<FanoutResult> {
  const { fakesInfo } = runner.children;
  const target = await startBenchBridge({
    name: settings.name,
    fakes: fakesInfo,
    dir: settings.dir,
    fileConfigPath: settings.fileConfigPath,
    env: settings.env,
  });
  try {
    const command = async (text: string) => {
      const triggerId = freshTriggerId();
      const started = performance.now();
      const response = await sendSlashCommand(target.url, SIGNING_SECRET, {
        text,
        trigger_id: triggerId,
        response_url: fakesInfo.responseUrl,
      });
      if (response.status !== 200) throw new Error(`fan-out command answered HTTP ${response.status}`);
      return {
        requestKey: commandRequestKey(TEAM_ID, triggerId),
        ackMs: performance.now() - started,
        started,
      };
    };
    const settled = async (requestKey: string, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const record = await target.bridge.store.findByRequestKey(requestKey);
        // Received (not yet looked at) and pending (batches under way) are not final.
        if (record && record.status !== 'pending' && record.status !== 'received') return record;
        if (Date.now() > deadline) throw new Error(`fan-out relay not finished after ${timeoutMs} ms`);
        await sleep(5);
      }
    };

    // One small relay first, so the token fetch and connection set-up are not in the measurement.
    const warm = await command('1000 fan-out warm-up');
    await settled(warm.requestKey, 30_000);
    // The warm-up's call counts against the budget: when the fan-out needs the whole budget, let
    // it leave the window (plus the limiter's margin) so the fan-out starts with a full budget.
    const budget = target.rateBudget;
    const expectedCalls = Math.ceil(settings.recipients / 500);
    if (budget && expectedCalls + 1 > budget.calls && budget.windowMs <= 60_000) {
      await sleep(budget.windowMs + Math.max(50, budget.windowMs / 50) + 100);
    }
    await runner.harvest();
    runner.others.length = 0;
    runner.slackCalls = {};

    const sent = await command(`${settings.recipientsToken ?? FANOUT_ALIAS} bench fan-out to every employee`);
    const record = await settled(sent.requestKey, 10 * 60_000);
    const wallMs = performance.now() - sent.started;
    await sleep(200); // the fakes report a call after answering it
    await runner.harvest();
    const calls = runner.others.filter((call) => call.recipients > 0);
    let gapTotal = 0;
    for (let i = 1; i < calls.length; i++) gapTotal += calls[i]!.at - calls[i - 1]!.answeredAt;
    const first = calls[0];
    const last = calls.at(-1);
    const batches = record.batches.length;
    return {
      name: settings.name,
      recipients: record.recipients.length,
      status: record.status,
      ackMs: round(sent.ackMs),
      wallMs: round(wallMs),
      batches,
      delivered: calls
        .filter((call) => call.errorCode === 0)
        .reduce((total, call) => total + call.recipients, 0),
      fxiaokeSpanMs: first && last ? last.answeredAt - first.at : 0,
      emulatorMs: calls.reduce((total, call) => total + (call.answeredAt - call.at), 0),
      gapMeanMs: calls.length > 1 ? round(gapTotal / (calls.length - 1)) : 0,
      chatUpdates: runner.slackCalls['chat.update'] ?? 0,
      rateBudget: target.rateBudget,
      minimumMs: minimumWallMs(batches, target.rateBudget),
      limiterInBuild: settings.limiterInBuild,
      instance: await summarize(target),
    };
  } finally {
    await target.stop().catch(() => undefined);
  }
}
