/**
 * A store that STORE_URL names but that cannot be opened stops the start as a configuration
 * problem: exit code 78, and a message that names STORE_URL and the place (the SQLite file's path,
 * the Redis host) — never a password the URL carries. The real process (`src/main.ts`), real
 * SQLite files; the store is opened before Slack or Fxiaoke are called, so neither is needed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { nodeArgsFor } from '../process-build.js';
import { freePort, REPO_ROOT } from './process-helpers.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  // A start that did not fail would still be running: stop it (this test's own children only).
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-store-start-'));
  // Readable by an unprivileged user too (the read-only case runs the bridge as one under root).
  chmodSync(dir, 0o777);
  dirs.push(dir);
  return dir;
}

async function env(storeUrl: string): Promise<Record<string, string>> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    // Shared with the other process tests: tsx keeps its compile cache there, per user.
    TMPDIR: tmpdir(),
    SLACK_BOT_TOKEN: 'xoxb-store-start-bot-token-0123456789',
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_MODE: 'http',
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
    PORT: String(await freePort()),
    FXIAOKE_BASE_URL: 'http://127.0.0.1:9',
    FXIAOKE_APP_ID: 'FSAID_store_start',
    FXIAOKE_APP_SECRET: 'store-start-app-secret-1f2e3d',
    FXIAOKE_PERMANENT_CODE: 'store-start-permanent-code-4c5b',
    FXIAOKE_USER_ID: '1000',
    STORE_URL: storeUrl,
    LOG_LEVEL: 'info',
  };
}

/**
 * Runs `src/main.ts` (as another user when `asUser` is given) until it ends on its own: a start
 * that fails exits by itself, and one that did not fail would hang the test, not pass it.
 */
async function start(storeUrl: string, options: { asUser?: number } = {}) {
  const child = spawn(process.execPath, nodeArgsFor('src/main.ts'), {
    cwd: REPO_ROOT,
    env: await env(storeUrl),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.asUser === undefined ? {} : { uid: options.asUser, gid: options.asUser }),
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** Each test starts a process (tsx compiles the bridge first): slow on a busy machine, never hung. */
const PROCESS_TIMEOUT_MS = 60_000;

describe.runIf(process.platform === 'linux')('a start on a store that cannot be opened', () => {
  it(
    'a path that is a directory ("unable to open database file"): names STORE_URL and the path, exits 78',
    async () => {
      const dir = join(tempDir(), 'data.db');
      mkdirSync(dir);
      const { code, output } = await start(`sqlite:${dir}`);
      expect(code, output).toBe(78);
      expect(output).toContain(`fx-bridge cannot start: STORE_URL=sqlite:${dir} could not be opened`);
      expect(output).toContain(`SQLite file ${dir}: unable to open database file`);
      expect(output).toContain('names a file, not a directory');
    },
    PROCESS_TIMEOUT_MS,
  );

  it(
    'a file that is not a SQLite database: names STORE_URL and the path, exits 78',
    async () => {
      const file = join(tempDir(), 'notes.db');
      writeFileSync(file, 'These are my notes, not a database. '.repeat(40));
      const { code, output } = await start(`sqlite://${file}`);
      expect(code, output).toBe(78);
      expect(output).toContain(`STORE_URL=sqlite://${file} could not be opened`);
      expect(output).toContain(`SQLite file ${file}: file is not a database`);
    },
    PROCESS_TIMEOUT_MS,
  );

  it(
    'a read-only database file and directory: names the path and says to make them writable, exits 78',
    async () => {
      const dir = join(tempDir(), 'data');
      const file = join(dir, 'fx-bridge.db');
      mkdirSync(dir);
      openSqliteStore({ path: file }).close();
      chmodSync(file, 0o444);
      chmodSync(dir, 0o555);
      // Root writes anything: the bridge runs as an unprivileged user then, for whom these are read-only.
      const asUser = process.getuid?.() === 0 ? 65534 : undefined;
      const { code, output } = await start(`sqlite:${file}`, asUser === undefined ? {} : { asUser });
      expect(code, output).toBe(78);
      expect(output).toContain(`STORE_URL=sqlite:${file} could not be opened`);
      expect(output).toMatch(
        /SQLite file \S+: (attempt to write a readonly database|unable to open database file)/,
      );
      expect(output).toContain('read-only for this process');
    },
    PROCESS_TIMEOUT_MS,
  );

  it(
    'a Redis that does not answer: names STORE_URL without its password, exits 78',
    async () => {
      const port = await freePort();
      const { code, output } = await start(`redis://:hunter2-secret@127.0.0.1:${port}/0`);
      expect(code, output).toBe(78);
      expect(output).toContain(`STORE_URL=redis://127.0.0.1:${port}/0 could not be opened`);
      expect(output).not.toContain('hunter2');
    },
    PROCESS_TIMEOUT_MS,
  );
});
