/**
 * The settings in force on two replicas of one store (here two LiveSettings on one SQLite file):
 * a change saved through one is in force there at once and on the other at its next read of the
 * version; the relay's settings object reads the change without being rebuilt; only admins save.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseFileConfig } from '../../src/config/file.js';
import { SettingsEditor } from '../../src/settings/editor.js';
import { LiveSettings } from '../../src/settings/live.js';
import { WORKSPACE_SCOPE } from '../../src/settings/port.js';
import { settingsOf } from '../../src/settings/store.js';
import type { RelayStore } from '../../src/store/interface.js';
import { MemorySettings } from '../../src/store/memory-settings.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const FILE = parseFileConfig('aliases: { sales: ["1000"] }\nadmins: [U0ADMIN]\n', 'test', []);
const log = { warn: () => undefined };

describe('LiveSettings and SettingsEditor', () => {
  let dir: string;
  let stores: RelayStore[];
  let lives: LiveSettings[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-live-'));
    stores = [];
    lives = [];
  });
  afterEach(async () => {
    for (const live of lives) live.stop();
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function replica(): Promise<{ live: LiveSettings; editor: SettingsEditor }> {
    const store = await openSqliteStore({ path: join(dir, 'shared.db') });
    stores.push(store);
    // A long poll: the test reads the version itself (refresh), as the timer would.
    const live = new LiveSettings({
      store: settingsOf(store),
      scope: WORKSPACE_SCOPE,
      file: FILE,
      log,
      everyMs: 60_000,
    });
    await live.start();
    lives.push(live);
    return { live, editor: new SettingsEditor(live, settingsOf(store), () => 1_700_000_000_000) };
  }

  it('puts a change in force at once here, and on another replica at its next read', async () => {
    const a = await replica();
    const b = await replica();
    const relaySettings = b.live.relaySettings;
    expect(relaySettings.aliases).toEqual({ sales: ['1000'] });

    const saved = await a.editor.save('aliases', 'sales: ["1000", "1001"]', 'U0ADMIN');
    expect(saved).toEqual({ type: 'saved', summary: '{"sales":["1000"]} → {"sales":["1000","1001"]}' });
    expect(a.live.relaySettings.aliases).toEqual({ sales: ['1000', '1001'] });
    expect(a.editor.section('aliases')).toEqual({
      yaml: 'sales:\n  - "1000"\n  - "1001"\n',
      fromSlack: true,
    });

    await b.live.refresh();
    // The same object the relay holds, read again: no rebuild, no restart.
    expect(relaySettings.aliases).toEqual({ sales: ['1000', '1001'] });
    expect(await b.editor.audit(10)).toEqual([
      {
        at: 1_700_000_000_000,
        userId: 'U0ADMIN',
        section: 'aliases',
        summary: saved.type === 'saved' ? saved.summary : '',
      },
    ]);
  });

  it('refuses a non-admin, and invalid text, storing nothing', async () => {
    const { live, editor } = await replica();
    expect(await editor.save('aliases', 'x: ["1"]', 'U0NOBODY')).toEqual({ type: 'refused' });
    expect(await editor.save('aliases', 'sales: [alice]', 'U0ADMIN')).toMatchObject({ type: 'invalid' });
    expect(await editor.save('admins', '[U0OTHER]', 'U0ADMIN')).toMatchObject({ type: 'invalid' });
    expect(live.stored.version).toBe(0);
    expect(await editor.audit(10)).toEqual([]);
  });

  it('saves on top of what another replica stored meanwhile (compare-and-set, read again)', async () => {
    const a = await replica();
    const b = await replica();
    expect((await a.editor.save('sync', 'edits: auto', 'U0ADMIN')).type).toBe('saved');
    // b has not polled: its save reads the store first, so a's sync section stays.
    expect((await b.editor.save('admins', '[U0ADMIN, U0SECOND]', 'U0ADMIN')).type).toBe('saved');
    expect(b.live.current.sync.edits).toBe('auto');
    expect(b.live.current.admins).toEqual(['U0ADMIN', 'U0SECOND']);
    expect(b.live.stored.version).toBe(2);
  });

  it('keeps the last settings while the store fails, and says so once, then once when it answers', async () => {
    const inner = new MemorySettings();
    let failing = false;
    let reads = 0;
    const port = {
      read: (scope: string) => inner.read(scope),
      version: async (scope: string) => {
        reads += 1;
        if (failing) throw new Error('store down');
        return inner.version(scope);
      },
      write: inner.write.bind(inner),
      audit: inner.audit.bind(inner),
    };
    const warnings: string[] = [];
    const live = new LiveSettings({
      store: port,
      scope: WORKSPACE_SCOPE,
      file: FILE,
      log: { warn: (_details, message) => warnings.push(message) },
      everyMs: 5,
    });
    lives.push(live);
    await live.start();
    await inner.write(WORKSPACE_SCOPE, { sync: { edits: 'off' } }, 0, {
      at: 1,
      userId: 'U0ADMIN',
      section: 'sync',
      summary: 's',
    });
    await vi.waitFor(() => expect(live.current.sync.edits).toBe('off'), { timeout: 10_000 });

    failing = true;
    const since = reads;
    await vi.waitFor(() => expect(reads).toBeGreaterThan(since + 10), { timeout: 10_000 });
    expect(warnings).toEqual([
      'settings could not be read from the store; the last ones read stay in force, and it is tried every second',
    ]);
    expect(live.relaySettings.sync.edits).toBe('off');
    failing = false;
    await vi.waitFor(() => expect(warnings).toHaveLength(2), { timeout: 10_000 });
    expect(warnings[1]).toBe('settings are read from the store again');
  });
});
