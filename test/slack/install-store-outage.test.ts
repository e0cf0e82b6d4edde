/**
 * Install mode when the store does not answer for an installation (down, or slower than the
 * deadline): the request is refused saying so — never "not installed", which would be false — and
 * at the read deadline, not after the store's own timeouts. The real install app over signed HTTP.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { signSlackRequest, slashCommandBody, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { loadConfig } from '../../src/config.js';
import type { InstallationStorePort } from '../../src/installs/port.js';
import { InstallationVault } from '../../src/installs/vault.js';
import { createLogger } from '../../src/logger.js';
import { secretBoxOf } from '../../src/secrets/secret-box.js';
import { createInstallApp, type InstallApp } from '../../src/slack/installs/app.js';
import { VaultInstallationStore } from '../../src/slack/installs/installation-store.js';
import { INSTALLATION_UNAVAILABLE, NOT_INSTALLED } from '../../src/slack/installs/texts.js';
import { installationsOf } from '../../src/store/index.js';
import { MemoryRelayStore } from '../../src/store/memory-store.js';

const KEY = randomBytes(32).toString('base64');
const config = loadConfig({
  SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
  SLACK_CLIENT_ID: '1234567890.1234567890',
  SLACK_CLIENT_SECRET: 'client-secret-outage',
  SLACK_STATE_SECRET: 'state-secret-for-the-outage-test-0123',
  FX_BRIDGE_SECRET_KEY: KEY,
  STORE_URL: 'memory:',
  PORT: '0',
});

let app: InstallApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** The installations of a memory store, whose reads can be made to fail or to hang. */
function flakyInstallations(): { port: InstallationStorePort; mode: { now: 'ok' | 'fail' | 'hang' } } {
  const real = installationsOf(new MemoryRelayStore());
  const mode: { now: 'ok' | 'fail' | 'hang' } = { now: 'ok' };
  const port: InstallationStorePort = {
    save: (installation) => real.save(installation),
    find: (key) => {
      if (mode.now === 'fail') return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
      if (mode.now === 'hang') return new Promise(() => {});
      return real.find(key);
    },
    replace: (installation, version) => real.replace(installation, version),
    remove: (key) => real.remove(key),
    list: (after, limit) => real.list(after, limit),
    useOnce: (nonce, until) => real.useOnce(nonce, until),
  };
  return { port, mode };
}

/** A vault over `installations` with workspace T0ONE installed. */
async function vaultWithOne(installations: InstallationStorePort): Promise<InstallationVault> {
  const vault = new InstallationVault(
    installations,
    secretBoxOf({ secretKey: KEY, oldSecretKey: undefined }),
  );
  await vault.saveSlack({
    team: { id: 'T0ONE', name: 'One' },
    bot: { token: 'xoxb-one', userId: 'U0BOT', id: 'B0BOT' },
  });
  return vault;
}

async function fxSend(port: number, teamId: string): Promise<string> {
  const body = slashCommandBody({
    text: '1000 hello',
    team_id: teamId,
    response_url: 'http://127.0.0.1:9/r',
  });
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...signSlackRequest(TEST_SIGNING_SECRET, body),
    },
    body,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { text: string }).text;
}

describe('install mode: a store that does not answer for an installation', () => {
  it('says the installation could not be read (never "not installed"), within the read deadline', async () => {
    const { port: installations, mode } = flakyInstallations();
    const vault = await vaultWithOne(installations);
    const { logger } = createLogger({
      level: 'silent',
      secrets: [],
      destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
    });
    if (!config.installs) throw new Error('install mode expected');
    app = createInstallApp({
      slack: config.slack,
      installs: config.installs,
      port: 0,
      vault,
      installationStore: new VaultInstallationStore(vault, undefined, Date.now, 300),
      logger,
      customRoutes: [],
    });
    const port = await app.start();

    expect(await fxSend(port, 'T0NOBODY')).toBe(NOT_INSTALLED);
    mode.now = 'fail';
    expect(await fxSend(port, 'T0ONE')).toBe(INSTALLATION_UNAVAILABLE);
    // A read that never ends: answered at the read deadline (else Bolt's 3 s would answer 404).
    mode.now = 'hang';
    expect(await fxSend(port, 'T0ONE')).toBe(INSTALLATION_UNAVAILABLE);
    mode.now = 'ok';
    expect(await fxSend(port, 'T0NOBODY')).toBe(NOT_INSTALLED);
  });

  it('keeps the installation the authorization read, for the rest of that request only', async () => {
    const vault = await vaultWithOne(flakyInstallations().port);
    let now = 1_000_000;
    const store = new VaultInstallationStore(vault, undefined, () => now, 300);
    expect(store.recentlyRead('T:T0ONE', 1_000)).toBeUndefined();
    await store.fetchInstallation({ teamId: 'T0ONE', enterpriseId: undefined, isEnterpriseInstall: false });
    expect(store.recentlyRead('T:T0ONE', 1_000)?.key).toBe('T:T0ONE');
    now += 1_001;
    expect(store.recentlyRead('T:T0ONE', 1_000)).toBeUndefined();
    await vault.remove('T:T0ONE');
    await expect(
      store.fetchInstallation({ teamId: 'T0ONE', enterpriseId: undefined, isEnterpriseInstall: false }),
    ).rejects.toThrow('not installed');
    expect(store.recentlyRead('T:T0ONE', 1_000_000)).toBeUndefined();
  });
});
