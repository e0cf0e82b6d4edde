/**
 * RELAY_WORKERS=fork with real processes: `src/main.ts` records and acks, and its forked worker
 * sends. A burst of commands with the worker killed (SIGKILL) half way, and one with the receiver
 * killed half way and started again: every acked command reaches Fxiaoke once (a call that may have
 * left when the worker died is never sent again and its relay says so), nothing stays in work, and
 * every ack was under Slack's 3 s by the bridge's own clock (its ack histogram). And the worker
 * answers a command where the receiver would have, at its response_url, and carries out the revokes
 * the receiver claimed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sendSlashCommand, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { IN_WORK } from '../../src/relay/lifecycle.js';
import { waitFor } from '../poll.js';
import type { BridgeProcess } from './process-helpers.js';
import { expectSentOnce, ProcessWorld, SEND } from './process-world.js';
import { revokeByShortcut } from './replica-kit.js';

const REVOKE = '/cgi/app/message/revoke';

const BURST = 40;

let world: ProcessWorld | undefined;
/** Worker pids this test saw, killed after it should any outlive its receiver. */
const workerPids = new Set<number>();

afterEach(async () => {
  await world?.close();
  world = undefined;
  for (const pid of workerPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  workerPids.clear();
});

async function setUp(): Promise<ProcessWorld> {
  world = await ProcessWorld.open({
    name: 'workers',
    users: 20,
    // Slow enough that the burst is still going out when a process is killed.
    sendLatencyMs: 150,
    // A short budget window: the replacement of a killed worker waits out the dead one's calls in it (kept in the file).
    env: { RELAY_WORKERS: 'fork', RELAY_CONCURRENCY: '4', FXIAOKE_RATE_LIMIT_WINDOW_MS: '2000' },
  });
  return world;
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
async function settled(w: ProcessWorld): Promise<void> {
  await waitFor(
    async () => {
      const all = await w.relays();
      const left = all.filter((record) => IN_WORK.includes(record.status)).length;
      if (all.length !== BURST || left > 0) throw new Error(`${all.length} relays, ${left} still in work`);
    },
    { timeout: 60_000, interval: 100 },
  );
}

async function burst(w: ProcessWorld, to: string, texts: string[]): Promise<number[]> {
  const acks = await Promise.all(texts.map((text) => w.command(text, to)));
  return acks.map((ack) => ack.status);
}

describe('RELAY_WORKERS=fork (child processes)', () => {
  it('sends every acked command once when the worker is killed half way through a burst', async () => {
    const w = await setUp();
    const { emulator, slack, env, baseUrl, users, children } = w;
    const bridge = children.start(['src/main.ts'], env);
    await bridge.healthy(baseUrl);
    await slack.waitFor(() => latestWorkerPid(bridge));
    const first = latestWorkerPid(bridge) as number;

    const texts = Array.from({ length: BURST }, (_, n) => `worker burst ${n}`);
    expect(await burst(w, users[0]!.openUserId, texts)).toEqual(texts.map(() => 200));
    await slack.waitFor(() => emulator.requestsTo(SEND).length >= BURST / 4);
    process.kill(first, 'SIGKILL');

    // The receiver starts another worker, which carries on where the dead one stopped.
    await slack.waitFor(() => (readyCount(bridge) >= 2 ? true : undefined), 20_000);
    expect(bridge.output).toContain('relay worker exited; starting another');
    await settled(w);
    const records = await w.relays();
    expectSentOnce(emulator, records, texts);
    expect(bridge.running).toBe(true);
    const acks = await acksUnder3s(baseUrl);
    expect(acks).toEqual({ count: BURST, under3s: BURST });
    // The receiver itself called Fxiaoke for none of them: the worker did. Its series are in the
    // receiver's /metrics too, labelled process="relay-worker" (the running worker's: the killed
    // one's counts went with it).
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    const receiverOnly = (name: string) => new RegExp(`^${name}\\{(?![^}]*process=)[^}]*\\} [1-9]`, 'm');
    expect(metrics).not.toMatch(receiverOnly('fxbridge_fxiaoke_calls_total'));
    expect(metrics).not.toMatch(receiverOnly('fxbridge_relays_total'));
    expect(metrics).toMatch(/^fxbridge_relays_total\{[^}]*process="relay-worker"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^fxbridge_fxiaoke_calls_total\{[^}]*process="relay-worker"[^}]*\} [1-9]/m);
    // Each process's own start time, not one of them dropped.
    expect(metrics.match(/^process_start_time_seconds/gm)).toHaveLength(2);
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
    const w = await setUp();
    const { emulator, slack, env, baseUrl, users, children } = w;
    const first = children.start(['src/main.ts'], env);
    await first.healthy(baseUrl);
    await slack.waitFor(() => latestWorkerPid(first));
    const worker = latestWorkerPid(first) as number;

    const texts = Array.from({ length: BURST }, (_, n) => `receiver burst ${n}`);
    expect(await burst(w, users[1]!.openUserId, texts)).toEqual(texts.map(() => 200));
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
    await settled(w);
    latestWorkerPid(second);
    expectSentOnce(emulator, await w.relays(), texts);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('answers a command the worker carried out at its response_url, and revokes in the worker too', async () => {
    const w = await setUp();
    const { emulator, slack, env, baseUrl, users, children } = w;
    const bridge = children.start(['src/main.ts'], env);
    await bridge.healthy(baseUrl);
    await slack.waitFor(() => latestWorkerPid(bridge));

    // Nobody by that id: found out by the worker, when it resolves the recipients.
    const unknown = slack.responseUrl();
    const ack = await sendSlashCommand(w.eventsUrl, TEST_SIGNING_SECRET, {
      text: 'FSUID_NOBODY_HERE hello from a worker',
      response_url: unknown,
    });
    expect(ack.status).toBe(200);
    const [answer] = await slack.waitFor(() => {
      const posted = slack.responsesTo(unknown);
      return posted.length > 0 ? posted : undefined;
    });
    expect(answer?.status).toBe(200);
    expect(JSON.stringify(answer?.body)).toContain('FSUID_NOBODY_HERE');
    // Not beside the command as a second ephemeral, nor as a DM: where /fx-send always answers.
    expect(slack.callsTo('chat.postEphemeral')).toEqual([]);
    expect(slack.callsTo('chat.postMessage')).toEqual([]);

    // A good one: its receipt in the channel, and nothing to say at its response_url.
    const good = slack.responseUrl();
    await sendSlashCommand(w.eventsUrl, TEST_SIGNING_SECRET, {
      text: `${users[0]!.openUserId} worker receipt`,
      response_url: good,
    });
    const receipt = await slack.waitFor(() =>
      slack.messages.find((message) => JSON.stringify(message).includes('worker receipt')),
    );
    expect(slack.responsesTo(good)).toEqual([]);
    // The receipt's ts is recorded right after it is posted: a click in between finds no relay.
    await waitFor(
      async () => {
        const relay = (await w.relays()).find((record) => record.text.includes('worker receipt'));
        if (relay?.status !== 'sent' || relay.slack?.ts !== receipt.ts) throw new Error('not recorded yet');
      },
      { timeout: 10_000, interval: 50 },
    );

    // Revoke from Fxiaoke on the receipt: claimed by the receiver before its ack, revoked by the
    // worker (the receiver calls Fxiaoke for nothing), answered at the shortcut's response_url.
    const revokeUrl = await revokeByShortcut(w, slack, receipt);
    const [revokeAnswer] = await slack.waitFor(() => {
      const posted = slack.responsesTo(revokeUrl);
      return posted.length > 0 ? posted : undefined;
    });
    expect(String(revokeAnswer?.body.text)).toContain('Revoked relay');
    expect(emulator.requestsTo(REVOKE)).toHaveLength(1);
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    const receiverOnly = /^fxbridge_fxiaoke_calls_total\{(?![^}]*process=)[^}]*\} [1-9]/m;
    expect(metrics).not.toMatch(receiverOnly);
    expect(metrics).toMatch(/^fxbridge_revokes_total\{[^}]*process="relay-worker"[^}]*\} 1/m);
    bridge.child.kill('SIGTERM');
    expect(await bridge.exited, bridge.output).toEqual({ code: 0, signal: null });
  }, 60_000);
});
