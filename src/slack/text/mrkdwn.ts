/**
 * Slack's escaped message text → plain text that reads well in Fxiaoke. Slack sends mentions
 * as `<@U…|name>`, channels as `<#C…|name>`, links as `<url|label>` and escapes `& < >`; people
 * write `*bold*`, `_italic_`, `~strike~`, `` `code` `` and `:emoji:`, which Fxiaoke would show
 * literally.
 */
import { emojiToUnicode } from './emoji.js';

export interface MrkdwnNames {
  /** Display name for a user id without a `|label` (message text carries no labels). */
  user?: (userId: string) => string | undefined;
}

const SPECIAL_MENTIONS: Record<string, string> = {
  here: '@here',
  channel: '@channel',
  everyone: '@everyone',
};

/** Private-use characters mark text set aside while the rest is converted. */
const OPEN = '\uE000';
const CLOSE = '\uE001';
const HELD = /\uE000(\d+)\uE001/g;

export function mrkdwnToPlainText(text: string, names: MrkdwnNames = {}): string {
  const held: string[] = [];
  const hold = (value: string) => `${OPEN}${held.push(value) - 1}${CLOSE}`;
  // Slack's markup first, so nothing below reads a URL's underscores as italics.
  let out = text
    .replace(/[\uE000\uE001]/g, '')
    .replace(/<([^<>]+)>/g, (whole, inner: string) => hold(convertToken(whole, inner, names)));
  // Code keeps its content exactly: no emoji, no formatting.
  out = out.replace(/```\n?([\s\S]*?)\n?```/g, (_, code: string) => hold(code));
  out = out.replace(/`([^`\n]+)`/g, (_, code: string) => hold(code));
  out = emojiToUnicode(stripFormatting(out));
  const restore = (value: string): string =>
    value.replace(HELD, (_, index: string) => restore(held[Number(index)] ?? ''));
  return unescapeEntities(restore(out));
}

/** One `<…>` of Slack markup as plain text (still entity-escaped, like the text around it). */
function convertToken(whole: string, inner: string, names: MrkdwnNames): string {
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
  if (/^(https?|mailto|tel):/i.test(target)) return linkText(target, label);
  return whole;
}

/** `label (url)`, or the bare address when there is no other label. */
export function linkText(url: string, label: string | undefined): string {
  const address = url.replace(/^mailto:/i, '');
  return label && label !== address && label !== url ? `${label} (${address})` : address;
}

/**
 * Drops *bold*, _italic_ and ~strike~ markers where Slack would format: the opening one after a
 * line start, space or punctuation and before a non-space; the closing one the other way round.
 * `snake_case`, `2*3*4` and lone markers stay as written.
 */
function stripFormatting(text: string): string {
  let out = text;
  for (const marker of ['\\*', '_', '~']) {
    const pattern = new RegExp(
      `(^|[^\\p{L}\\p{N}${marker}])${marker}(?=\\S)([^${marker}\\n]*?\\S)${marker}(?![\\p{L}\\p{N}${marker}])`,
      'gmu',
    );
    out = out.replace(pattern, '$1$2');
  }
  return out;
}

function unescapeEntities(text: string): string {
  const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&' };
  // One pass, so `&amp;lt;` (the user typed `&lt;`) stays `&lt;`.
  return text.replace(/&(lt|gt|amp);/g, (_, name: string) => entities[name] ?? '');
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
