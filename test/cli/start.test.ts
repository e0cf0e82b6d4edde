/**
 * `fx-bridge start` failing on a port in use says which variable to change; on a PostgreSQL store,
 * which this build cannot open yet, it says so without the URL's password.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { runCli } from '../../src/cli/run.js';
import { APP_SECRET, captureIo, cliEnv, PERMANENT_CODE, SERVICE_ID } from './cli-env.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('fx-bridge start', () => {
  it('names PORT when the port is already in use, and exits 1', async () => {
    const emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
    });
    cleanups.push(() => emulator.stop());
    const slack = await FakeSlackApi.start();
    cleanups.push(() => slack.stop());
    const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const occupier: Server = createServer();
    await new Promise<void>((resolve) => occupier.listen(0, resolve));
    cleanups.push(() => new Promise<void>((resolve) => occupier.close(() => resolve())));
    const address = occupier.address();
    if (typeof address !== 'object' || address === null) throw new Error('no port');

    const io = captureIo({
      ...cliEnv(dir, { slack: slack.url, fxiaoke: emulator.url, appId: emulator.options.appId }),
      PORT: String(address.port),
    });
    const code = await runCli(['start'], io);
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toContain(`port ${address.port} is already in use: set PORT to a free port`);
  });

  it('names a PostgreSQL STORE_URL that does not answer, without its password, and exits 78', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const io = captureIo({ ...cliEnv(dir), STORE_URL: 'postgresql://fx:hunter2@127.0.0.1:9/fx' });
    const code = await runCli(['start'], io);
    expect(code).toBe(78);
    expect(io.stderr.join('\n')).toMatch(
      /^fx-bridge cannot start: STORE_URL=postgresql:\/\/127\.0\.0\.1:9\/fx could not be opened: /,
    );
    expect(io.output).not.toContain('hunter2');
  });
});

describe('install mode with relay workers', () => {
  const installEnv = (dir: string, extra: Record<string, string>) => ({
    SLACK_SIGNING_SECRET: 'install-mode-signing-secret',
    SLACK_CLIENT_ID: '1111.2222',
    SLACK_CLIENT_SECRET: 'client-secret-for-tests',
    SLACK_STATE_SECRET: 'state-secret-for-tests-0123456789abcdef',
    FX_BRIDGE_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    STORE_URL: `sqlite:${join(dir, 'bridge.db')}`,
    PORT: '0',
    ...extra,
  });

  it('start refuses RELAY_WORKERS=fork, naming both variables, and exits 78', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const io = captureIo(installEnv(dir, { RELAY_WORKERS: 'fork' }));
    expect(await runCli(['start'], io)).toBe(78);
    expect(io.output).toContain('RELAY_WORKERS=fork does not apply in install mode');
    expect(io.output).toContain('SLACK_CLIENT_ID');
  });

  it('fx-bridge worker refuses to run, and exits 78', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const io = captureIo(installEnv(dir, {}));
    expect(await runCli(['worker'], io)).toBe(78);
    expect(io.output).toContain('fx-bridge worker does not run in install mode');
  });
});
