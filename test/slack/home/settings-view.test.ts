/** App Home's Settings blocks and the section modal (slack/settings/view.ts): what admins see. */
import { describe, expect, it } from 'vitest';
import { SETTINGS_SECTIONS } from '../../../src/settings/port.js';
import { settingsHomeBlocks, settingsModal } from '../../../src/slack/settings/view.js';

describe('App Home Settings', () => {
  const sections = SETTINGS_SECTIONS.map((section) => ({ section, fromSlack: section === 'aliases' }));

  it('has one Edit button per section, says where each comes from, and lists the last 10 changes', () => {
    const audit = Array.from({ length: 12 }, (_, index) => ({
      at: 1_700_000_000_000 + index,
      userId: `U${index}`,
      section: 'aliases' as const,
      summary: `<!channel> change \`${index}\``,
    }));
    const blocks = settingsHomeBlocks(sections, audit);
    const text = JSON.stringify(blocks);
    const buttons = blocks.flatMap((block) =>
      block.type === 'section' && block.accessory?.type === 'button' ? [block.accessory] : [],
    );
    expect(buttons.map((button) => [button.action_id, button.value])).toEqual(
      SETTINGS_SECTIONS.map((section) => ['fx_settings_edit', section]),
    );
    expect(text).toContain('*Aliases* (`aliases`) · set in Slack');
    expect(text).toContain('*Admins* (`admins`) · from the config file');
    expect(text).toContain('<@U9>');
    expect(text).not.toContain('<@U10>');
    // Summaries are shown as code and escaped: never a mention or formatting.
    expect(text).toContain("`&lt;!channel&gt; change '9'`");
    expect(JSON.stringify(settingsHomeBlocks(sections, []))).toContain('No change yet.');
    expect(JSON.stringify(settingsHomeBlocks(sections, undefined))).toContain('could not be read just now');
  });

  it('opens a section as YAML in a multiline input, empty allowed (back to the file)', () => {
    const modal = settingsModal('channelDefaults', 'C0X:\n  - sales\n');
    expect(modal).toMatchObject({ callback_id: 'fx_settings_modal', private_metadata: 'channelDefaults' });
    expect(modal.title.text.length).toBeLessThanOrEqual(24);
    expect(modal.blocks[0]).toMatchObject({
      type: 'input',
      block_id: 'fx_settings_yaml',
      optional: true,
      element: { action_id: 'fx_settings_yaml', multiline: true, initial_value: 'C0X:\n  - sales\n' },
    });
  });

  it('offers nothing to save for a section too long for a Slack field, rather than an empty one', () => {
    const modal = settingsModal('aliases', `${'x'.repeat(3001)}\n`);
    expect(modal.submit).toBeUndefined();
    expect(modal.blocks.some((block) => block.type === 'input')).toBe(false);
    expect(JSON.stringify(modal.blocks)).toContain('fx-bridge settings export');
  });
});
