/**
 * A start that fails half way closes what it had opened, last opened first: after an HTTP port
 * that is already taken, this process holds no file handle on the SQLite store any more, and a
 * bridge started next on the same file works. A start refused by its configuration is the real
 * process (src/main.ts, as `npm start` and the container run it) exiting 78 with every problem
 * named and no secret shown.
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
import { BridgeProcesses } from './process-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
const children = new BridgeProcesses();
afterEach(async () => {
  await children.killAll();
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

describe('a start refused by its configuration', () => {
  // Nothing is inherited but PATH and HOME; none of these values reaches Slack or Fxiaoke.
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir() };
  const complete = {
    ...base,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    FXIAOKE_APP_ID: 'FSAID_0001',
    FXIAOKE_APP_SECRET: APP_SECRET,
    FXIAOKE_PERMANENT_CODE: PERMANENT_CODE,
    FXIAOKE_USER_ID: '1000',
    PORT: '0',
  };

  async function refusedStart(env: Record<string, string>): Promise<string> {
    const child = children.start(['src/main.ts'], env);
    const exit = await child.exited;
    expect(exit, child.output).toEqual({ code: 78, signal: null });
    for (const secret of [BOT_TOKEN, TEST_SIGNING_SECRET, APP_SECRET, PERMANENT_CODE, 'hunter2']) {
      expect(child.output).not.toContain(secret);
    }
    return child.output;
  }

  it('exits 78 on STORE_URL=ftp://x, naming STORE_URL and the forms it takes', async () => {
    const output = await refusedStart({ ...complete, STORE_URL: 'ftp://x' });
    expect(output).toContain('fx-bridge cannot start: 1 configuration problem\n');
    expect(output).toMatch(
      / {2}- STORE_URL has unsupported scheme "ftp:"; accepted forms: sqlite:.*redis:.*postgres:/,
    );
  });

  it('exits 78 on STORE_URL=postgres:// alone, naming it with every missing variable in one error', async () => {
    const output = await refusedStart({ ...base, STORE_URL: 'postgres://' });
    expect(output.match(/fx-bridge cannot start/g)).toHaveLength(1);
    expect(output).toContain('  - STORE_URL names no PostgreSQL host');
    for (const name of [
      'SLACK_BOT_TOKEN',
      'FXIAOKE_APP_ID',
      'FXIAOKE_APP_SECRET',
      'FXIAOKE_PERMANENT_CODE',
    ]) {
      expect(output).toContain(`  - ${name} is not set`);
    }
    expect(output).toContain('  - no Slack connection is configured');
  });

  it('exits 78 on a malformed PostgreSQL URL without echoing its password', async () => {
    const output = await refusedStart({ ...complete, STORE_URL: 'postgres://fx:hunter2@db:port/fx' });
    expect(output).toContain('  - STORE_URL is not a valid PostgreSQL URL');
  });
});
