/**
 * A start that fails half way closes what it had opened, last opened first: after an HTTP port
 * that is already taken, this process holds no file handle on the SQLite store any more, and a
 * bridge started next on the same file works.
 */
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { BOT_ID, BOT_USER_ID, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { type Bridge, startBridge } from '../../src/bridge.js';
import { loadConfig } from '../../src/config.js';
import { APP_SECRET, BOT_TOKEN, emulatorEnv, PERMANENT_CODE, SERVICE_ID } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The paths this process has open (Linux: /proc/self/fd), SQLite's -wal and -shm files included. */
function openPaths(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // closed while we looked
    }
  });
}

const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });

describe.runIf(process.platform === 'linux')('a start that fails', () => {
  it('closes the store it opened, so the next start on the same file works', async () => {
    const emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
    });
    const slack = await FakeSlackApi.start();
    const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-failed-start-'));
    cleanups.push(
      () => emulator.stop(),
      () => slack.stop(),
      () => rmSync(dir, { recursive: true, force: true }),
    );
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const address = taken.address();
    if (typeof address !== 'object' || address === null) throw new Error('no port');
    const dbPath = join(dir, 'fx-bridge.db');
    const env = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_MODE: 'http',
      SLACK_API_URL: slack.url,
      ...emulatorEnv(emulator),
      STORE_URL: `sqlite:${dbPath}`,
    };
    const start = (port: number) =>
      startBridge(loadConfig({ ...env, PORT: String(port) }), {
        logDestination: quiet,
        botId: BOT_ID,
        botUserId: BOT_USER_ID,
      });

    await expect(start(address.port)).rejects.toThrow();
    expect(openPaths().filter((path) => path.startsWith(dbPath))).toEqual([]);

    const bridge: Bridge = await start(0);
    cleanups.push(() => bridge.stop());
    expect((await fetch(`http://127.0.0.1:${bridge.port}/healthz`)).status).toBe(200);
  });
});
