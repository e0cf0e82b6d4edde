/**
 * The `/fx-send` grammar: `/fx-send <recipients> <message>`. The first whitespace-delimited
 * token is the recipient list; the rest, newlines kept, is the message. Recipients come only
 * from that first token, so nothing inside the message can add a recipient. One exception makes
 * department names with spaces usable: a quote right after `dept:` (`dept:"Sales East"`, or Slack's
 * curly `“…”`) keeps the token going to its closing quote on the same line.
 */

export type FxSendCommand =
  | { kind: 'help' }
  | { kind: 'compose' }
  | { kind: 'send'; recipients: string[]; message: string }
  | { kind: 'usage'; problem: string };

export const USAGE = [
  '*Usage:* `/fx-send <recipients> <message>`',
  '• `<recipients>`: comma-separated, no spaces — Fxiaoke openUserIds (`FSUID_…`), numeric employee ids,',
  '   Slack mentions (`@name`, found in Fxiaoke by the config file, their e-mail or their phone), aliases,',
  '   or departments: `dept:1002` or `dept:Sales` (`dept:"Sales East"` when the name has spaces).',
  '• `<message>`: the rest of the text; line breaks are kept.',
  'Examples: `/fx-send FSUID_0A1B…,1001 The quote is ready` · `/fx-send sales Meeting moved to 3pm`',
  '`/fx-send help` shows this text.',
].join('\n');

export function parseFxSend(text: string | undefined): FxSendCommand {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return { kind: 'compose' };
  const head = trimmed.slice(0, headLength(trimmed));
  const rest = /^(?:[ \t]*\r?\n|\s+)?([\s\S]*)$/.exec(trimmed.slice(head.length));
  const message = (rest?.[1] ?? '').trim();
  // `help`, `help me`, `HELP?`: nobody means a recipient called help.
  if (/^help\W*$/i.test(head)) return { kind: 'help' };
  const recipients = splitItems(head).map((item) => item.trim());
  if (recipients.some((item) => item === '')) {
    return {
      kind: 'usage',
      problem: 'The recipient list has an empty item. Separate recipients with commas and no spaces.',
    };
  }
  if (message === '') {
    return { kind: 'usage', problem: `There is no message after the recipients (${head}).` };
  }
  return { kind: 'send', recipients, message };
}

const CLOSING: Record<string, string> = { '"': '"', '“': '”' };

/** Where a quote right after `dept:` (at the start of an item) opens a department name. */
function opensDepartmentName(text: string, at: number): boolean {
  const char = text[at];
  if (char === undefined || !(char in CLOSING) || at < 5) return false;
  if (text.slice(at - 5, at).toLowerCase() !== 'dept:') return false;
  return at === 5 || text[at - 6] === ',';
}

/** Per opening quote, the next character that closes it or ends the line. */
const CLOSE_OR_LINE_END: Record<string, RegExp> = { '"': /["\r\n]/g, '“': /[”\r\n]/g };

/**
 * Finds the closing quote of quoted department names, remembering where a search came up empty:
 * a later opening of the same quote before that point cannot close either, so no input makes the
 * grammar slower than linear.
 */
class QuoteScanner {
  readonly #unclosedUntil: Record<string, number> = {};
  constructor(private readonly text: string) {}

  /** The index just past the closing quote of the name opened at `at`, or undefined. */
  closeOf(at: number): number | undefined {
    const open = this.text[at] as string;
    const search = CLOSE_OR_LINE_END[open];
    if (!search || !opensDepartmentName(this.text, at)) return undefined;
    if (at < (this.#unclosedUntil[open] ?? -1)) return undefined;
    search.lastIndex = at + 1;
    const found = search.exec(this.text);
    if (found && found[0] === CLOSING[open]) return found.index + 1;
    this.#unclosedUntil[open] = found ? found.index : this.text.length;
    return undefined;
  }
}

/** The length of the recipients token: up to the first white space, or past a quoted department name. */
function headLength(text: string): number {
  const quotes = new QuoteScanner(text);
  const next = /[\s"“]/g;
  let at = 0;
  for (;;) {
    next.lastIndex = at;
    const found = next.exec(text);
    if (!found) return text.length;
    if (/\s/.test(found[0])) return found.index;
    at = quotes.closeOf(found.index) ?? found.index + 1;
  }
}

/** The items of the recipients token: comma-separated, a comma inside a quoted department name kept. */
function splitItems(head: string): string[] {
  const quotes = new QuoteScanner(head);
  const next = /[,"“]/g;
  const items: string[] = [];
  let start = 0;
  let at = 0;
  for (;;) {
    next.lastIndex = at;
    const found = next.exec(head);
    if (!found) break;
    if (found[0] === ',') {
      items.push(head.slice(start, found.index));
      start = found.index + 1;
      at = start;
    } else {
      at = quotes.closeOf(found.index) ?? found.index + 1;
    }
  }
  items.push(head.slice(start));
  return items;
}
