/**
 * The Fxiaoke rate budget on a SQLite store is kept in the file, with real processes: the calls a
 * forked worker made count for a bridge started after its receiver was killed (SIGKILL), so the
 * next call waits for the window instead of going out with a fresh budget in the new process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { sendSlashCommand, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { waitFor } from '../poll.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';

const SEND = '/cgi/app/message/send';

let emulator: FxiaokeEmulator | undefined;
let slack: FakeSlackApi | undefined;
let dir: string | undefined;
const children = new BridgeProcesses();

afterEach(async () => {
  await children.killAll();
  await slack?.stop();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('a bridge started after one was killed waits for the calls its forked worker made in the window', async () => {
  const users = generateUsers(5);
  emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
    messageIdLocation: 'top',
    users,
  });
  slack = await FakeSlackApi.start();
  dir = mkdtempSync(join(tmpdir(), 'fx-bridge-budget-'));
  const configFile = join(dir, 'fx-bridge.yml');
  writeFileSync(configFile, 'limits:\n  sendsPerUserPerMinute: 0\n');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // 3 sends per 10 minutes: nothing of the window runs out while the test runs.
  const env = bridgeEnv({
    emulator,
    slack,
    port,
    configFile,
    storeUrl: `sqlite:${join(dir, 'fx-bridge.db')}`,
    extra: { FXIAOKE_RATE_LIMIT_CALLS: '3', FXIAOKE_RATE_LIMIT_WINDOW_MS: '600000' },
  });
  const fake = slack;
  const command = (text: string) =>
    sendSlashCommand(`${baseUrl}/slack/events`, TEST_SIGNING_SECRET, {
      text: `${users[0]!.openUserId} ${text}`,
      response_url: fake.responseUrl(),
    });

  const first = children.start(['src/main.ts'], { ...env, RELAY_WORKERS: 'fork' });
  await first.healthy(baseUrl);
  for (const n of [1, 2, 3]) expect((await command(`budget ${n}`)).status).toBe(200);
  await slack.waitFor(() => (emulator!.requestsTo(SEND).length === 3 ? true : undefined), 20_000);
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
