/**
 * Slack Block Kit → plain text, close to what a person sees in the Slack client: section and
 * context text, buttons as [Label]. Only the block types the bridge posts; others are skipped.
 */

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string {
  if (!isObject(value)) return '';
  return typeof value.text === 'string' ? value.text : '';
}

/** The shortcodes the bridge uses, as the Slack client draws them; an unknown one stays as typed. */
const EMOJI: Record<string, string> = {
  outbox_tray: '📤',
  white_check_mark: '✅',
  wastebasket: '🗑️',
  warning: '⚠️',
  x: '❌',
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  no_entry: '⛔',
  information_source: 'ℹ️',
};

/** Slack's mrkdwn escapes and link/mention syntax, made readable. */
export function unmrkdwn(text: string): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)>/g, '@$1')
    .replace(/<#([CG][A-Z0-9]+)(?:\|([^>]+))?>/g, (_all, id: string, name?: string) => `#${name ?? id}`)
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<!date\^\d+\^[^|>]*\|([^>]+)>/g, '$1')
    .replace(/:([a-z0-9_+-]+):/g, (all, name: string) => EMOJI[name] ?? all)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function blocksToText(blocks: unknown): string {
  if (!Array.isArray(blocks)) return '';
  const lines: string[] = [];
  for (const block of blocks) {
    if (!isObject(block)) continue;
    switch (block.type) {
      case 'header':
      case 'section': {
        const text = textOf(block.text);
        if (text) lines.push(text);
        if (Array.isArray(block.fields)) lines.push(...block.fields.map(textOf).filter(Boolean));
        if (isObject(block.accessory) && block.accessory.type === 'button') {
          lines.push(`[${textOf(block.accessory.text)}]`);
        }
        break;
      }
      case 'context':
        if (Array.isArray(block.elements)) {
          const parts = block.elements.map(textOf).filter(Boolean);
          if (parts.length > 0) lines.push(parts.join('  '));
        }
        break;
      case 'actions':
        if (Array.isArray(block.elements)) {
          const buttons = block.elements.filter((element) => isObject(element) && element.type === 'button');
          if (buttons.length > 0)
            lines.push(buttons.map((button) => `[${textOf((button as Json).text)}]`).join(' '));
        }
        break;
      case 'divider':
        lines.push('---');
        break;
      default:
        break;
    }
  }
  return unmrkdwn(lines.join('\n'));
}
