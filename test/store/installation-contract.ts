/**
 * The installations every store keeps beside its relays (install mode): src/installs/port.ts.
 * Run by each store's test file against a fresh store, as the relay contract is.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InstallationWrite, installationKey, type Sealed } from '../../src/installs/port.js';
import { InstallationVault } from '../../src/installs/vault.js';
import { SecretBox, SecretBoxError } from '../../src/secrets/secret-box.js';
import { installationsOf } from '../../src/store/index.js';
import type { RelayStore } from '../../src/store/interface.js';
import { makeRecord } from './records.js';
import { describeTenantViewContract } from './tenant-view-contract.js';

function write(key: string, extra: Partial<InstallationWrite> = {}): InstallationWrite {
  return {
    key,
    teamId: key.slice(2),
    enterpriseId: undefined,
    isEnterpriseInstall: false,
    teamName: 'Acme',
    botUserId: 'U0BOT',
    installerUserId: 'U0ADMIN',
    installedAt: 1_000,
    updatedAt: 1_000,
    slack: 'fxs1.sealed' as Sealed,
    ...extra,
  };
}

/** A Slack installation as Bolt gives it, with tokens the stored text must never show. */
function slackInstallation(teamId: string, token: string) {
  return {
    team: { id: teamId, name: `Team ${teamId}` },
    enterprise: undefined,
    isEnterpriseInstall: false,
    bot: { token, refreshToken: `${token}-REFRESH`, userId: 'U0BOT', id: 'B0BOT', scopes: ['commands'] },
    user: { id: 'U0ADMIN', token: `${token}-USER`, scopes: undefined },
    appId: 'A0APP',
  };
}

export function describeInstallationContract(
  name: string,
  open: () => Promise<RelayStore>,
  options: { reopen?: () => Promise<RelayStore> } = {},
): void {
  describe(`installations contract: ${name}`, () => {
    let store: RelayStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keys an org-wide install by its enterprise id, any other by its team id', () => {
      expect(installationKey({ isEnterpriseInstall: true, enterpriseId: 'E1', teamId: undefined })).toBe(
        'E:E1',
      );
      expect(installationKey({ isEnterpriseInstall: false, enterpriseId: 'E1', teamId: 'T1' })).toBe('T:T1');
      expect(() => installationKey({})).toThrow(RangeError);
    });

    it('saves, finds, replaces by version, lists by key and removes', async () => {
      const installations = installationsOf(store);
      expect(await installations.find('T:T1')).toBeUndefined();
      const first = await installations.save(write('T:T1'));
      expect(first).toEqual({ ...write('T:T1'), version: 1 });
      expect(await installations.find('T:T1')).toEqual(first);
      const again = await installations.save(write('T:T1', { teamName: 'Acme 2' }));
      expect(again.version).toBe(2);
      expect(await installations.replace(write('T:T1', { teamName: 'stale' }), 1)).toBe(false);
      expect(await installations.replace(write('T:T1', { teamName: 'Acme 3' }), 2)).toBe(true);
      expect(await installations.find('T:T1')).toMatchObject({ teamName: 'Acme 3', version: 3 });
      expect(await installations.replace(write('T:T9'), 1)).toBe(false);
      expect(await installations.find('T:T9')).toBeUndefined();

      await installations.save(
        write('E:E1', { isEnterpriseInstall: true, enterpriseId: 'E1', teamId: undefined }),
      );
      await installations.save(write('T:T0'));
      expect((await installations.list(undefined, 10)).map((i) => i.key)).toEqual(['E:E1', 'T:T0', 'T:T1']);
      expect((await installations.list('E:E1', 1)).map((i) => i.key)).toEqual(['T:T0']);
      expect((await installations.list('T:T1', 10)).map((i) => i.key)).toEqual([]);
      const org = await installations.find('E:E1');
      expect([org?.enterpriseId, org?.teamId, org?.isEnterpriseInstall]).toEqual(['E1', undefined, true]);

      expect(await installations.remove('T:T1')).toBe(true);
      expect(await installations.remove('T:T1')).toBe(false);
      expect(await installations.find('T:T1')).toBeUndefined();
      expect((await installations.list(undefined, 10)).map((i) => i.key)).toEqual(['E:E1', 'T:T0']);
    });

    it('keeps the relays when an installation is removed', async () => {
      const record = makeRecord();
      await store.create(record);
      await installationsOf(store).save(write('T:T0TEST'));
      await installationsOf(store).remove('T:T0TEST');
      expect(await store.findById(record.id)).toStrictEqual(record);
    });

    it('uses a one-time value once: a replay is refused', async () => {
      const installations = installationsOf(store);
      const until = Date.now() + 600_000;
      expect(await installations.useOnce('nonce-1', until)).toBe(true);
      expect(await installations.useOnce('nonce-1', until)).toBe(false);
      expect(await installations.useOnce('nonce-2', until)).toBe(true);
      const concurrent = await Promise.all(
        Array.from({ length: 10 }, () => installations.useOnce('nonce-3', until)),
      );
      expect(concurrent.filter(Boolean)).toHaveLength(1);
    });

    it('stores tokens only sealed, opens them with the key, and refuses another key by name', async () => {
      const key = randomBytes(32);
      const vault = new InstallationVault(installationsOf(store), new SecretBox(key));
      const token = `xoxb-${randomBytes(8).toString('hex')}`;
      await vault.saveSlack(slackInstallation('T1', token));
      const stored = await installationsOf(store).find('T:T1');
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(stored).toMatchObject({ teamId: 'T1', teamName: 'Team T1', botUserId: 'U0BOT' });
      expect(await vault.openSlack('T:T1')).toStrictEqual(
        JSON.parse(JSON.stringify(slackInstallation('T1', token))),
      );

      const wrong = new InstallationVault(installationsOf(store), new SecretBox(randomBytes(32)));
      const refused = await wrong.openSlack('T:T1').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SecretBoxError);
      expect((refused as Error).message).toContain('FX_BRIDGE_SECRET_KEY');
      expect((refused as Error).message).not.toContain(token);
    });

    it('forgets a revoked user token and keeps the bot token (tokens_revoked for user tokens)', async () => {
      const vault = new InstallationVault(installationsOf(store), new SecretBox(randomBytes(32)));
      await vault.saveSlack(slackInstallation('T1', 'xoxb-keep'));
      await vault.forgetUserToken('T:T1', (userId) => userId === 'U0OTHER');
      expect(await vault.openSlack('T:T1')).toMatchObject({ user: { token: 'xoxb-keep-USER' } });
      await vault.forgetUserToken('T:T1', (userId) => userId === 'U0ADMIN');
      const opened = (await vault.openSlack('T:T1')) as {
        user: Record<string, unknown>;
        bot: { token: string };
      };
      expect(opened.user).toStrictEqual({ id: 'U0ADMIN' });
      expect(opened.bot.token).toBe('xoxb-keep');
    });

    it('rotates: every secret sealed again with the new key, the old key no longer needed', async () => {
      const oldKey = randomBytes(32);
      const newKey = randomBytes(32);
      await new InstallationVault(installationsOf(store), new SecretBox(oldKey)).saveSlack(
        slackInstallation('T1', 'xoxb-one'),
      );
      await new InstallationVault(installationsOf(store), new SecretBox(oldKey)).saveSlack(
        slackInstallation('T2', 'xoxb-two'),
      );
      const rotating = new InstallationVault(installationsOf(store), new SecretBox(newKey, [oldKey]));
      expect(await rotating.rotate()).toStrictEqual({ seen: 2, resealed: 2 });
      expect(await rotating.rotate()).toStrictEqual({ seen: 2, resealed: 0 });
      const after = new InstallationVault(installationsOf(store), new SecretBox(newKey));
      expect(await after.openSlack('T:T2')).toMatchObject({ bot: { token: 'xoxb-two' } });
    });

    it('keeps a workspace’s Fxiaoke tenant sealed on its own installation, through a reinstall and a rotation', async () => {
      const oldKey = randomBytes(32);
      const vault = new InstallationVault(installationsOf(store), new SecretBox(oldKey));
      const tenant = {
        baseUrl: 'https://open.fxiaoke.com',
        appId: 'FSAID_1',
        appSecret: 'APPSECRET-1',
        permanentCode: 'PCODE-1',
        userId: '1000',
      };
      expect(await vault.connectFxiaoke('T:T1', tenant)).toBe(false);
      await vault.saveSlack(slackInstallation('T1', 'xoxb-one'));
      await vault.saveSlack(slackInstallation('T2', 'xoxb-two'));
      expect(await vault.connectFxiaoke('T:T1', tenant)).toBe(true);
      const raw = JSON.stringify(await installationsOf(store).list(undefined, 10));
      expect(raw).not.toContain('APPSECRET-1');
      expect(raw).not.toContain('PCODE-1');
      expect(await vault.tenantOf('T:T1')).toStrictEqual(tenant);
      expect(await vault.tenantOf('T:T2')).toBeUndefined();
      await vault.saveSlack(slackInstallation('T1', 'xoxb-one-again'));
      const newKey = randomBytes(32);
      await new InstallationVault(installationsOf(store), new SecretBox(newKey, [oldKey])).rotate();
      expect(
        await new InstallationVault(installationsOf(store), new SecretBox(newKey)).tenantOf('T:T1'),
      ).toStrictEqual(tenant);
    });

    describeTenantViewContract(name, () => store);

    if (options.reopen) {
      const reopen = options.reopen;
      it('keeps installations across a reopen', async () => {
        await installationsOf(store).save(write('T:T1'));
        await store.close();
        store = await reopen();
        expect(await installationsOf(store).find('T:T1')).toMatchObject({ key: 'T:T1', version: 1 });
      });
    }
  });
}
