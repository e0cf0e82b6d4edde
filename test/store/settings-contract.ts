/**
 * The settings edited in Slack that every store keeps beside its relays (src/settings/port.ts):
 * per scope, overrides with a version written by compare-and-set, and an append-only audit list,
 * newest first. Run by settings-contract.test.ts against each store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SettingsAuditEntry } from '../../src/settings/port.js';
import { settingsOf } from '../../src/settings/store.js';
import type { RelayStore } from '../../src/store/interface.js';

const entry = (at: number, summary: string, userId = 'U0ADMIN'): SettingsAuditEntry => ({
  at,
  userId,
  section: 'aliases',
  summary,
});

export function describeSettingsContract(
  name: string,
  open: () => Promise<RelayStore>,
  options: { reopen?: () => Promise<RelayStore> } = {},
): void {
  describe(`settings contract: ${name}`, () => {
    let store: RelayStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('starts at version 0 with no overrides and no audit', async () => {
      const settings = settingsOf(store);
      expect(await settings.read('workspace')).toEqual({ version: 0, overrides: {} });
      expect(await settings.version('workspace')).toBe(0);
      expect(await settings.audit('workspace', 10)).toEqual([]);
    });

    it('writes by compare-and-set, bumping the version, and a lost write stores nothing', async () => {
      const settings = settingsOf(store);
      const first = { aliases: { sales: ['1000', 'dept:Sales East'] } };
      expect(await settings.write('workspace', first, 0, entry(1, 'a'))).toBe(1);
      expect(await settings.read('workspace')).toEqual({ version: 1, overrides: first });
      // A second writer that read version 0 loses, and neither its overrides nor its audit land.
      expect(await settings.write('workspace', { admins: ['U0X'] }, 0, entry(2, 'lost'))).toBeUndefined();
      const second = { ...first, sync: { edits: 'auto' } };
      expect(await settings.write('workspace', second, 1, entry(3, 'b'))).toBe(2);
      expect(await settings.write('workspace', {}, 1, entry(4, 'stale'))).toBeUndefined();
      expect(await settings.read('workspace')).toEqual({ version: 2, overrides: second });
      expect(await settings.version('workspace')).toBe(2);
      expect((await settings.audit('workspace', 10)).map((each) => each.summary)).toEqual(['b', 'a']);
    });

    it('lists the audit newest first, up to the limit, with who, when, section and summary', async () => {
      const settings = settingsOf(store);
      for (let version = 0; version < 12; version++) {
        await settings.write(
          'workspace',
          { admins: [`U${version}`] },
          version,
          entry(version * 10, `change ${version}`, `U${version}`),
        );
      }
      const listed = await settings.audit('workspace', 5);
      expect(listed.map((each) => each.summary)).toEqual([
        'change 11',
        'change 10',
        'change 9',
        'change 8',
        'change 7',
      ]);
      expect(listed[0]).toEqual({ at: 110, userId: 'U11', section: 'aliases', summary: 'change 11' });
      expect(await settings.audit('workspace', 0)).toEqual([]);
      expect(await settings.audit('workspace', 100)).toHaveLength(12);
    });

    it('keeps scopes apart (install mode passes installation keys)', async () => {
      const settings = settingsOf(store);
      expect(await settings.write('T:T1', { admins: ['U1'] }, 0, entry(1, 't1'))).toBe(1);
      expect(await settings.write('E:E1', { admins: ['U2'] }, 0, entry(2, 'e1'))).toBe(1);
      expect(await settings.read('T:T1')).toEqual({ version: 1, overrides: { admins: ['U1'] } });
      expect(await settings.read('E:E1')).toEqual({ version: 1, overrides: { admins: ['U2'] } });
      expect(await settings.read('workspace')).toEqual({ version: 0, overrides: {} });
      expect((await settings.audit('T:T1', 10)).map((each) => each.summary)).toEqual(['t1']);
    });

    it('lets exactly one of concurrent writers of one version win', async () => {
      const settings = settingsOf(store);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          settings.write('workspace', { admins: [`U${index}`] }, 0, entry(index, `w${index}`)),
        ),
      );
      expect(results.filter((version) => version === 1)).toHaveLength(1);
      expect(await settings.audit('workspace', 10)).toHaveLength(1);
    });

    it.runIf(options.reopen)('keeps what was written across a reopen', async () => {
      await settingsOf(store).write('workspace', { admins: ['U1'] }, 0, entry(1, 'kept'));
      await store.close();
      store = await (options.reopen as () => Promise<RelayStore>)();
      expect(await settingsOf(store).read('workspace')).toEqual({
        version: 1,
        overrides: { admins: ['U1'] },
      });
      expect((await settingsOf(store).audit('workspace', 1))[0]?.summary).toBe('kept');
    });
  });
}
