/**
 * The Fxiaoke rate budget on a SQLite store is kept in the file, with real processes: the calls a
 * forked worker made count for a bridge started after its receiver was killed (SIGKILL), so the
 * next call waits for the window instead of going out with a fresh budget in the new process.
 */
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../poll.js';
import { ProcessWorld, SEND } from './process-world.js';

let world: ProcessWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

it('a bridge started after one was killed waits for the calls its forked worker made in the window', async () => {
  // 3 sends per 10 minutes: nothing of the window runs out while the test runs.
  world = await ProcessWorld.open({
    name: 'budget',
    users: 5,
    env: { FXIAOKE_RATE_LIMIT_CALLS: '3', FXIAOKE_RATE_LIMIT_WINDOW_MS: '600000' },
  });
  const w = world;
  const { emulator, slack, env, baseUrl, children } = w;
  const command = (text: string) => w.command(text);

  const first = children.start(['src/main.ts'], { ...env, RELAY_WORKERS: 'fork' });
  await first.healthy(baseUrl);
  for (const n of [1, 2, 3]) expect((await command(`budget ${n}`)).status).toBe(200);
  await slack.waitFor(() => (emulator.requestsTo(SEND).length === 3 ? true : undefined), 20_000);
  first.child.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');

  // Inline this time: the new process calls Fxiaoke itself, and its /metrics shows its queue.
  const second = children.start(['src/main.ts'], env);
  await second.healthy(baseUrl);
  expect((await command('budget 4')).status).toBe(200);
  await waitFor(
    async () => {
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/^fxbridge_fxiaoke_rate_limit_queue 1$/m);
    },
    { timeout: 20_000, interval: 100 },
  );
  // Queued behind the three calls of the killed process's worker, not sent with a fresh budget.
  expect(emulator.requestsTo(SEND)).toHaveLength(3);
}, 90_000);
