/**
 * RELAY_WORKERS=none with real processes: a receiver (`src/main.ts`) that records, acks and hands
 * off, and `fx-bridge worker` processes apart on the same SQLite file. Nothing is sent until a
 * worker runs; a worker killed with SIGKILL half way is replaced by another, which takes over what
 * the dead one held once its leases ran out: every acked command reaches Fxiaoke once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HANDED_OFF } from '../../src/relay/lease.js';
import { IN_WORK } from '../../src/relay/lifecycle.js';
import { waitFor } from '../poll.js';
import { freePort } from './process-helpers.js';
import { expectSentOnce, ProcessWorld, SEND } from './process-world.js';

const COMMANDS = 20;

let world: ProcessWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('RELAY_WORKERS=none with fx-bridge worker (child processes)', () => {
  it('hands every acked command to the workers, and a worker killed half way loses and repeats none', async () => {
    world = await ProcessWorld.open({
      name: 'workers-apart',
      users: 1,
      sendLatencyMs: 150,
      // Short leases: a dead worker's relays are taken over within seconds.
      env: { RELAY_WORKERS: 'none', RELAY_CONCURRENCY: '2', LEASE_SECONDS: '2' },
    });
    const w = world;
    const { emulator, slack, env, baseUrl, children } = w;
    const receiver = children.start(['src/main.ts'], env);
    await receiver.healthy(baseUrl);

    const texts = Array.from({ length: COMMANDS }, (_, n) => `handed apart ${n}`);
    const acks = await Promise.all(texts.map((text) => w.command(text)));
    expect(acks.map((ack) => ack.status)).toEqual(texts.map(() => 200));
    // Recorded and handed off; no worker runs yet, so nothing went out.
    await waitFor(
      async () => {
        const all = await w.relays();
        expect(all.filter((record) => record.lease?.owner === HANDED_OFF)).toHaveLength(COMMANDS);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(emulator.requestsTo(SEND)).toHaveLength(0);

    const first = children.start(['src/cli.ts', 'worker'], env);
    await slack.waitFor(() => emulator.requestsTo(SEND).length >= COMMANDS / 4, 20_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // The second worker serves its health and metrics (WORKER_PORT), as probes and Prometheus see it.
    const workerPort = await freePort();
    const second = children.start(['src/cli.ts', 'worker'], { ...env, WORKER_PORT: String(workerPort) });
    await waitFor(
      async () => {
        const all = await w.relays();
        expect(all.filter((record) => IN_WORK.includes(record.status))).toEqual([]);
      },
      { timeout: 60_000, interval: 200 },
    );
    expectSentOnce(emulator, await w.relays(), texts);
    // The receiver called Fxiaoke for none of them.
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).not.toMatch(/^fxbridge_fxiaoke_calls_total\{[^}]*\} [1-9]/m);
    const workerBase = `http://127.0.0.1:${workerPort}`;
    expect((await fetch(`${workerBase}/healthz`)).status).toBe(200);
    expect((await fetch(`${workerBase}/readyz`)).status).toBe(200);
    const workerMetrics = await (await fetch(`${workerBase}/metrics`)).text();
    expect(workerMetrics).toMatch(/^fxbridge_relays_total\{[^}]*status="sent"[^}]*\} [1-9]/m);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });
    receiver.child.kill('SIGTERM');
    expect(await receiver.exited, receiver.output).toEqual({ code: 0, signal: null });
  }, 120_000);
});
