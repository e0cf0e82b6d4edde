/**
 * Slack's escaped message text → plain text that reads well in Fxiaoke. Slack sends mentions
 * as `<@U…|name>`, channels as `<#C…|name>`, links as `<url|label>` and escapes `& < >`.
 */

export interface MrkdwnNames {
  /** Display name for a user id without a `|label` (slash commands with should_escape send labels). */
  user?: (userId: string) => string | undefined;
}

const SPECIAL_MENTIONS: Record<string, string> = {
  here: '@here',
  channel: '@channel',
  everyone: '@everyone',
};

export function mrkdwnToPlainText(text: string, names: MrkdwnNames = {}): string {
  const converted = text.replace(/<([^<>]+)>/g, (whole, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? undefined : inner.slice(bar + 1);
    if (target.startsWith('@')) {
      const userId = target.slice(1);
      return `@${label || names.user?.(userId) || userId}`;
    }
    // Without a label a channel id means nothing to a Fxiaoke reader.
    if (target.startsWith('#')) return `#${label || 'channel'}`;
    if (target.startsWith('!')) {
      const special = target.slice(1).split('^')[0] ?? '';
      if (special === 'subteam') return label ? (label.startsWith('@') ? label : `@${label}`) : '@group';
      if (special === 'date') return label ?? '';
      return SPECIAL_MENTIONS[special] ?? label ?? whole;
    }
    if (/^(https?|mailto|tel):/i.test(target)) {
      const address = target.replace(/^mailto:/i, '');
      return label && label !== address && label !== target ? `${label} (${address})` : address;
    }
    return whole;
  });
  return converted.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Escapes text for a Slack mrkdwn field, so user input cannot ping @channel or fake links. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** First `max` characters on one quoted block, for receipts. */
export function preview(text: string, max = 280): string {
  const clipped = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return clipped
    .split('\n')
    .map((line) => `>${escapeMrkdwn(line)}`)
    .join('\n');
}
