/**
 * App Home's Settings for fx-bridge admins: one Edit button per section (`fx_settings_edit`, value
 * = the section), the modal that holds the section as YAML (`fx_settings_modal`, input
 * `fx_settings_yaml`), and the last changes (who, when, what). Pure rendering.
 */
import type { types } from '@slack/bolt';
import type { SettingsAuditEntry, SettingsSection } from '../../settings/port.js';
import { SETTINGS_SECTIONS } from '../../settings/port.js';
import { slackDate } from '../replies/summary.js';
import { escapeMrkdwn } from '../text/mrkdwn.js';

export const SETTINGS_EDIT_ACTION_ID = 'fx_settings_edit';
export const SETTINGS_MODAL_CALLBACK_ID = 'fx_settings_modal';
/** block_id = action_id of the modal's one input. */
export const SETTINGS_YAML_BLOCK = 'fx_settings_yaml';
/** Changes listed in the Home. */
export const AUDIT_ON_HOME = 10;
/** Slack's limit for a plain-text input's value. */
const INPUT_MAX = 3000;

const LABELS: Record<SettingsSection, string> = {
  aliases: 'Aliases',
  channelDefaults: 'Channel defaults',
  routes: 'Channel routes',
  access: 'Access rules',
  sync: 'Edit and delete sync',
  admins: 'Admins',
};

export interface SectionState {
  section: SettingsSection;
  fromSlack: boolean;
}

/** `audit` undefined: the list could not be read just now (the rest of the Home is shown anyway). */
export function settingsHomeBlocks(
  sections: readonly SectionState[],
  audit: readonly SettingsAuditEntry[] | undefined,
): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Settings' } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: 'A section saved here replaces the config file’s on every replica at once. `fx-bridge settings export` writes the settings in force as a config file.',
        },
      ],
    },
  ];
  for (const { section, fromSlack } of sections) {
    blocks.push({
      type: 'section',
      block_id: `fx_settings_${section}`,
      text: {
        type: 'mrkdwn',
        text: `*${LABELS[section]}* (\`${section}\`) · ${fromSlack ? 'set in Slack' : 'from the config file'}`,
      },
      accessory: {
        type: 'button',
        action_id: SETTINGS_EDIT_ACTION_ID,
        text: { type: 'plain_text', text: 'Edit' },
        value: section,
      },
    });
  }
  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Recent settings changes' } });
  const lines = (audit ?? []).slice(0, AUDIT_ON_HOME).map(auditLine);
  const text = !audit
    ? 'The list of changes could not be read just now.'
    : lines.length > 0
      ? lines.join('\n').slice(0, 2900)
      : 'No change yet.';
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  blocks.push({ type: 'divider' });
  return blocks;
}

function auditLine(entry: SettingsAuditEntry): string {
  // In code: a summary is settings text (JSON), never formatting or a mention.
  const summary = escapeMrkdwn(entry.summary.replace(/`/g, "'"));
  return `${slackDate(entry.at)} · <@${entry.userId}> · \`${entry.section}\`: \`${summary}\``;
}

export function settingsModal(section: SettingsSection, yaml: string): types.ModalView {
  const title = { type: 'plain_text' as const, text: `Edit ${LABELS[section].toLowerCase()}`.slice(0, 24) };
  // Too long for Slack's input: shown as it is, nothing to save (an empty input would mean "back
  // to the config file's section", which is not what the admin would have asked for).
  if (yaml.length > INPUT_MAX) {
    return {
      type: 'modal',
      callback_id: SETTINGS_MODAL_CALLBACK_ID,
      private_metadata: section,
      title,
      close: { type: 'plain_text', text: 'Close' },
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `\`${section}\` is ${yaml.length} characters long, more than Slack lets a field hold (${INPUT_MAX}). Edit it in the config file (\`fx-bridge settings export\` writes the settings in force as one).`,
          },
        },
      ],
    };
  }
  return {
    type: 'modal',
    callback_id: SETTINGS_MODAL_CALLBACK_ID,
    private_metadata: section,
    title,
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: SETTINGS_YAML_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: `${section} (YAML)` },
        hint: {
          type: 'plain_text',
          text: `As under "${section}:" in the config file, checked the same way. Empty: the config file's again.`,
        },
        element: {
          type: 'plain_text_input',
          action_id: SETTINGS_YAML_BLOCK,
          multiline: true,
          max_length: INPUT_MAX,
          ...(yaml.trim() ? { initial_value: yaml } : {}),
        },
      },
    ],
  };
}

export function sectionStates(settings: {
  section(section: SettingsSection): { fromSlack: boolean };
}): SectionState[] {
  return SETTINGS_SECTIONS.map((section) => ({ section, fromSlack: settings.section(section).fromSlack }));
}
