/** `fx-bridge secrets rotate` on a real SQLite file: re-seals with the new key, never prints a secret. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { runCli } from '../../src/cli/run.js';
import { InstallationVault } from '../../src/installs/vault.js';
import { keyIdOf, SecretBox } from '../../src/secrets/secret-box.js';
import { installationsOf } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { captureIo } from './cli-env.js';

const dir = mkdtempSync(join(tmpdir(), 'fxb-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OLD = randomBytes(32);
const NEW = randomBytes(32);
const TOKEN = `xoxb-${randomBytes(10).toString('hex')}`;

function env(path: string, keys: { secretKey: Buffer; oldSecretKey?: Buffer }) {
  return {
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_CLIENT_ID: '1111.2222',
    SLACK_CLIENT_SECRET: 'client-secret-for-tests',
    SLACK_STATE_SECRET: 'state-secret-for-tests-0123456789abcdef',
    FX_BRIDGE_SECRET_KEY: keys.secretKey.toString('base64'),
    FX_BRIDGE_OLD_SECRET_KEY: keys.oldSecretKey?.toString('hex'),
    STORE_URL: `sqlite:${path}`,
  };
}

async function install(path: string, teamId: string): Promise<void> {
  const store = openSqliteStore({ path });
  await new InstallationVault(installationsOf(store), new SecretBox(OLD)).saveSlack({
    team: { id: teamId, name: teamId },
    bot: { userId: 'U0BOT', token: TOKEN } as { userId: string },
  });
  await store.close();
}

describe('fx-bridge secrets rotate', () => {
  it('seals every installation again with FX_BRIDGE_SECRET_KEY, given the old key', async () => {
    const path = join(dir, 'rotate.db');
    await install(path, 'T1');
    await install(path, 'T2');
    const io = captureIo(env(path, { secretKey: NEW, oldSecretKey: OLD }));
    expect(await runCli(['secrets', 'rotate'], io)).toBe(0);
    expect(io.output).toContain(`2 of 2 installations sealed again with key id ${keyIdOf(NEW)}`);
    expect(io.output).toContain('FX_BRIDGE_OLD_SECRET_KEY can be removed');
    for (const secret of [TOKEN, OLD.toString('hex'), NEW.toString('base64')])
      expect(io.output).not.toContain(secret);
    expect(readFileSync(path).toString('latin1')).not.toContain(TOKEN);

    const store = openSqliteStore({ path });
    const vault = new InstallationVault(installationsOf(store), new SecretBox(NEW));
    expect(await vault.openSlack('T:T1')).toMatchObject({ bot: { token: TOKEN } });
    await store.close();

    const again = captureIo(env(path, { secretKey: NEW }));
    expect(await runCli(['secrets', 'rotate'], again)).toBe(0);
    expect(again.output).toContain('0 of 2 installations sealed again');
  });

  it('without the old key, fails naming the key id it needs and the variables', async () => {
    const path = join(dir, 'no-old.db');
    await install(path, 'T1');
    const io = captureIo(env(path, { secretKey: NEW }));
    expect(await runCli(['secrets', 'rotate'], io)).toBe(1);
    expect(io.output).toContain(`sealed with key id ${keyIdOf(OLD)}`);
    expect(io.output).toContain('FX_BRIDGE_OLD_SECRET_KEY');
    expect(io.output).not.toContain(TOKEN);
  });

  it('prints its help, and refuses an unknown subcommand', async () => {
    const help = captureIo({});
    expect(await runCli(['secrets', '--help'], help)).toBe(0);
    expect(help.output).toContain('FX_BRIDGE_OLD_SECRET_KEY');
    expect(await runCli(['secrets', 'shred'], captureIo({}))).toBe(2);
  });
});
