/**
 * Settings edited in Slack are checked exactly as the config file is (same schema, same messages,
 * the same cross-checks), and merged with the file section by section; the settings in force
 * written out as YAML read back as the same settings.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FILE_CONFIG, type FileConfig, parseFileConfig } from '../../src/config/file.js';
import {
  checkSectionEdit,
  effectiveSettings,
  sectionYaml,
  settingsYaml,
} from '../../src/settings/effective.js';
import type { SettingsSection } from '../../src/settings/port.js';

const FILE_YAML = `
aliases:
  sales: ["1000", "dept:Sales East"]
admins: [U0ADMIN]
channelDefaults:
  C0SALES: [sales]
routes:
  C0ROUTED: { to: [sales], forward: all }
  C0REACT: { to: ["1001"], forward: reaction, reaction: ":rocket:" }
sync: { edits: auto }
messageTemplate: "{sender}: {text}"
`;

function file(yaml = FILE_YAML): FileConfig {
  const problems: string[] = [];
  const parsed = parseFileConfig(yaml, 'test', problems);
  expect(problems).toEqual([]);
  return parsed;
}

/** The file's problems for a whole file holding `section: <yaml>`, without the file's label. */
function fileProblems(section: SettingsSection, yaml: string): string[] {
  const indented = yaml
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  const problems: string[] = [];
  parseFileConfig(`${section}:\n${indented}\n`, 'LABEL', problems);
  return problems.map((problem) => problem.replace(/^LABEL: /, ''));
}

function slackProblems(section: SettingsSection, yaml: string, base = DEFAULT_FILE_CONFIG): string[] {
  const edit = checkSectionEdit(base, {}, section, yaml);
  return edit.type === 'invalid' ? edit.problems : [];
}

describe('a section edited in Slack is checked as the config file is', () => {
  const cases: Array<[SettingsSection, string]> = [
    ['aliases', '"123": ["1000"]'],
    ['aliases', 'sales: [alice]'],
    ['aliases', 'sales: []'],
    ['channelDefaults', '"#general": ["1000"]'],
    ['channelDefaults', 'C0X: [nobody]'],
    ['routes', 'C0X: { to: ["1000"], forward: all, reaction: rocket }'],
    ['routes', 'C0X: { to: [], forward: sometimes }'],
    ['access', 'send: { users: ["@alice"], channels: ["#general"] }'],
    ['access', 'send: { extra: true }'],
    ['sync', 'edits: maybe'],
    ['sync', 'quietMs: -1'],
    ['admins', '["@alice"]'],
    ['admins', 'alice: true'],
  ];
  it.each(cases)('%s: %s gets the file’s messages', (section, yaml) => {
    const expected = fileProblems(section, yaml);
    expect(expected.length).toBeGreaterThan(0);
    expect(slackProblems(section, yaml)).toEqual(expected);
  });

  it('refuses text that is not YAML, as the file is refused', () => {
    expect(slackProblems('aliases', 'sales: [1000')[0]).toMatch(/^aliases is not valid YAML: /);
  });

  it('checks a section against the others in force: a default naming an alias that is gone', () => {
    const base = file();
    const edit = checkSectionEdit(base, {}, 'aliases', 'support: ["1002"]');
    expect(edit).toEqual({
      type: 'invalid',
      problems: [
        'channelDefaults.C0SALES.0: sales is neither an alias defined under aliases, a Fxiaoke id (FSUID_… or numeric) nor a department (dept:<id> or dept:<name>)',
        'routes.C0ROUTED.to.0: sales is neither an alias defined under aliases, a Fxiaoke id (FSUID_… or numeric) nor a department (dept:<id> or dept:<name>)',
      ],
    });
  });
});

describe('the settings in force', () => {
  it('replace the file’s section with the one set in Slack, and keep the other sections', () => {
    const base = file();
    const edit = checkSectionEdit(base, {}, 'aliases', 'sales: ["1001"]\nsupport: ["1002"]');
    expect(edit.type).toBe('valid');
    if (edit.type !== 'valid') return;
    expect(edit.settings.aliases).toEqual({ sales: ['1001'], support: ['1002'] });
    expect(edit.settings.routes).toEqual(base.routes);
    expect(edit.settings.sync).toEqual(base.sync);
    expect(effectiveSettings(base, edit.overrides).settings).toEqual(edit.settings);
  });

  it('go back to the file’s section when the text is emptied', () => {
    const base = file();
    const edit = checkSectionEdit(base, { admins: ['U0OTHER'] }, 'admins', '  \n');
    expect(edit).toMatchObject({ type: 'valid', overrides: {} });
    if (edit.type === 'valid') expect(edit.settings.admins).toEqual(['U0ADMIN']);
  });

  it('store nothing for a section saved as the config file has it, and drop one edited back to it', () => {
    const base = file();
    const same = checkSectionEdit(base, {}, 'routes', sectionYaml(base, 'routes'));
    expect(same).toMatchObject({ type: 'valid', overrides: {} });
    const back = checkSectionEdit(base, { sync: { edits: 'off' } }, 'sync', 'edits: auto');
    expect(back).toMatchObject({ type: 'valid', overrides: {} });
    const kept = checkSectionEdit(base, { admins: ['U0ADMIN', 'U0B'] }, 'sync', 'edits: off');
    expect(kept).toMatchObject({
      type: 'valid',
      overrides: { admins: ['U0ADMIN', 'U0B'], sync: { edits: 'off' } },
    });
  });

  it('are the file alone, with the problems, when stored overrides no longer fit the file', () => {
    const { settings, problems } = effectiveSettings(file(), { aliases: { '123': ['1000'] } });
    expect(settings).toEqual(file());
    expect(problems).toEqual(['aliases.123: alias names cannot look like Fxiaoke ids']);
  });

  it('read back as the same settings once written as YAML (settings export)', () => {
    const base = file();
    const edit = checkSectionEdit(base, {}, 'routes', 'C0NEW: { to: [sales], forward: reaction }');
    if (edit.type !== 'valid') throw new Error(JSON.stringify(edit));
    const problems: string[] = [];
    expect(parseFileConfig(settingsYaml(edit.settings), 'export', problems)).toEqual(edit.settings);
    expect(problems).toEqual([]);
  });

  it('show a section as the YAML an admin edits, and that YAML reads back as the same section', () => {
    const base = file();
    const yaml = sectionYaml(base, 'routes');
    expect(yaml).toContain('C0ROUTED');
    expect(yaml).not.toMatch(/C0ROUTED:[^C]*reaction/);
    const edit = checkSectionEdit(base, { admins: ['U0ADMIN', 'U0B'] }, 'routes', yaml);
    expect(edit.type === 'valid' && edit.settings.routes).toEqual(base.routes);
  });
});
