/**
 * `fx-bridge audit` and `fx-bridge settings export` on a SQLite store where admins changed the
 * settings in App Home: the audit lists who changed what, newest first, and never a secret; the
 * export, given back as FX_BRIDGE_CONFIG, yields the settings in force.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { loadConfig } from '../../src/config.js';
import { SettingsEditor } from '../../src/settings/editor.js';
import { LiveSettings } from '../../src/settings/live.js';
import { WORKSPACE_SCOPE } from '../../src/settings/port.js';
import { settingsOf } from '../../src/settings/store.js';
import { openStore } from '../../src/store/index.js';
import { APP_SECRET, BOT_TOKEN, captureIo, cliEnv, PERMANENT_CODE } from './cli-env.js';

const FILE = `aliases:
  sales: ["1000"]
admins: [U0ADMIN]
routes:
  C0ROUTED: { to: [sales], forward: all }
messageTemplate: "{sender}: {text}"
`;

describe('fx-bridge audit and settings export', () => {
  let dir: string;
  let env: Record<string, string | undefined>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-cli-settings-'));
    writeFileSync(join(dir, 'fx-bridge.yml'), FILE);
    env = { ...cliEnv(dir), FX_BRIDGE_CONFIG: join(dir, 'fx-bridge.yml') };
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** The editor App Home uses, over the store the configuration names, closed after `use`. */
  async function withEditor(use: (editor: SettingsEditor) => Promise<void>): Promise<void> {
    const config = loadConfig(env);
    const store = await openStore(config.storeUrl);
    try {
      const port = settingsOf(store);
      const live = new LiveSettings({
        store: port,
        scope: WORKSPACE_SCOPE,
        file: config.file,
        log: { warn: () => undefined },
      });
      await live.refresh();
      await use(new SettingsEditor(live, port));
    } finally {
      await store.close();
    }
  }

  /** Two changes made in App Home, through the editor the Home uses. */
  function changeInSlack(): Promise<void> {
    return withEditor(async (editor) => {
      expect(
        (await editor.save('aliases', 'sales: ["1000", "1001"]\nsupport: ["dept:1002"]', 'U0ADMIN')).type,
      ).toBe('saved');
      expect((await editor.save('sync', 'edits: auto\ndeletes: off', 'U0SECOND')).type).toBe('refused');
      expect((await editor.save('admins', '[U0ADMIN, U0SECOND]', 'U0ADMIN')).type).toBe('saved');
      expect((await editor.save('sync', 'edits: auto\ndeletes: off', 'U0SECOND')).type).toBe('saved');
    });
  }

  it('audit lists who changed which section, newest first, up to --limit, and no secret', async () => {
    const empty = captureIo(env);
    expect(await runCli(['audit'], empty)).toBe(0);
    expect(empty.output).toBe('No settings were changed in Slack.');

    await changeInSlack();
    const io = captureIo(env);
    expect(await runCli(['audit', '--limit', '2'], io)).toBe(0);
    expect(io.stdout).toHaveLength(2);
    expect(io.stdout[0]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC {2}U0SECOND {2}sync {2}\{.*"edits":"ask".*\} → \{.*"edits":"auto","deletes":"off".*\}$/,
    );
    expect(io.stdout[1]).toMatch(/ U0ADMIN {2}admins {2}\["U0ADMIN"\] → \["U0ADMIN","U0SECOND"\]$/);
    for (const secret of [APP_SECRET, PERMANENT_CODE, BOT_TOKEN]) expect(io.output).not.toContain(secret);

    const all = captureIo(env);
    expect(await runCli(['audit'], all)).toBe(0);
    expect(all.stdout).toHaveLength(3);
    const bad = captureIo(env);
    expect(await runCli(['audit', '--limit', '0'], bad)).toBe(2);
  });

  it('settings export writes YAML that, as FX_BRIDGE_CONFIG, yields the settings in force', async () => {
    await changeInSlack();
    const out = join(dir, 'exported.yml');
    const io = captureIo(env);
    expect(await runCli(['settings', 'export', '--out', out], io)).toBe(0);
    expect(io.stderr.join('\n')).toBe(`Wrote ${out} (set in Slack: aliases, admins, sync).`);

    const exported = loadConfig({ ...env, FX_BRIDGE_CONFIG: out }).file;
    expect(exported.aliases).toEqual({ sales: ['1000', '1001'], support: ['dept:1002'] });
    expect(exported.admins).toEqual(['U0ADMIN', 'U0SECOND']);
    expect(exported.sync).toMatchObject({ edits: 'auto', deletes: 'off' });
    expect(exported.routes).toEqual(loadConfig(env).file.routes);
    expect(exported.messageTemplate).toBe('{sender}: {text}');

    // The same settings as the bridge has in force, read through the store like it does.
    const config = loadConfig(env);
    const store = await openStore(config.storeUrl);
    try {
      const live = new LiveSettings({
        store: settingsOf(store),
        scope: WORKSPACE_SCOPE,
        file: config.file,
        log: { warn: () => undefined },
      });
      await live.refresh();
      expect(exported).toEqual(live.current);
    } finally {
      await store.close();
    }

    const stdout = captureIo(env);
    expect(await runCli(['settings', 'export'], stdout)).toBe(0);
    // Without --out, the same YAML on stdout (the first line, a comment, names the time).
    const withoutComment = (text: string) => text.replace(/^#.*\n/, '');
    expect(withoutComment(stdout.stdout.join('\n'))).toBe(withoutComment(readFileSync(out, 'utf8')));
  });

  it('check looks at the settings in force: the store line names the sections set in App Home, the routes line their routes', async () => {
    await changeInSlack();
    await withEditor(async (editor) => {
      const saved = await editor.save('routes', 'C0NEW: { to: [sales], forward: reaction }', 'U0ADMIN');
      expect(saved.type).toBe('saved');
    });
    const io = captureIo(env);
    await runCli(['check'], io);
    expect(io.output).toMatch(/✓ relay store +.* answers; set in App Home: aliases, admins, sync, routes/);
    expect(io.output).toMatch(/Slack channel routes +C0NEW \(reaction :outbox_tray:\)/);
    expect(io.output).not.toContain('C0ROUTED');
  });

  it('names its usage', async () => {
    const io = captureIo(env);
    expect(await runCli(['settings'], io)).toBe(2);
    expect(io.output).toContain('fx-bridge settings export [--out FILE]');
    const wrong = captureIo(env);
    expect(await runCli(['settings', 'import'], wrong)).toBe(2);
    const help = captureIo(env);
    expect(await runCli(['audit', '--help'], help)).toBe(0);
    expect(help.output).toContain('Usage: fx-bridge audit [--limit N]');
  });
});
