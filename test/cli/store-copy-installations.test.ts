/** `fx-bridge store copy` between two SQLite files brings the installations along, still sealed, once. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { InstallationVault } from '../../src/installs/vault.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { installationsOf } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { captureIo } from './cli-env.js';

const dir = mkdtempSync(join(tmpdir(), 'fxb-copy-installs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fx-bridge store copy with installations', () => {
  it('copies each installation exactly, opens nothing, and leaves one already there alone', async () => {
    const box = new SecretBox(randomBytes(32));
    const fromPath = join(dir, 'from.db');
    const toPath = join(dir, 'to.db');
    const source = openSqliteStore({ path: fromPath });
    const vault = new InstallationVault(installationsOf(source), box);
    await vault.saveSlack({ team: { id: 'T1', name: 'One' }, bot: { userId: 'U0BOT' } });
    await vault.saveSlack({ team: { id: 'T2', name: 'Two' }, bot: { userId: 'U0BOT' } });
    await vault.connectFxiaoke('T:T1', {
      baseUrl: 'https://open.fxiaoke.com',
      appId: 'FSAID_1',
      appSecret: 's',
      permanentCode: 'p',
    });
    const stored = await installationsOf(source).list(undefined, 10);
    await source.close();

    const io = captureIo({});
    expect(
      await runCli(['store', 'copy', '--from', `sqlite:${fromPath}`, '--to', `sqlite:${toPath}`], io),
    ).toBe(0);
    expect(io.output).toContain('Installations: 2 read, 2 copied, 0 already there');
    const again = captureIo({});
    expect(
      await runCli(['store', 'copy', '--from', `sqlite:${fromPath}`, '--to', `sqlite:${toPath}`], again),
    ).toBe(0);
    expect(again.output).toContain('Installations: 2 read, 0 copied, 2 already there');

    const destination = openSqliteStore({ path: toPath });
    const copied = await installationsOf(destination).list(undefined, 10);
    expect(copied.map(({ version: _v, ...rest }) => rest)).toEqual(
      stored.map(({ version: _v, ...rest }) => rest),
    );
    expect(await new InstallationVault(installationsOf(destination), box).tenantOf('T:T1')).toMatchObject({
      appSecret: 's',
    });
    await destination.close();
  });
});
