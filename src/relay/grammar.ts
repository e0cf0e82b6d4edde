/**
 * The `/fx-send` grammar: `/fx-send <recipients> <message>`. The first whitespace-delimited
 * token is the recipient list; the rest, newlines kept, is the message. Recipients come only
 * from that first token, so nothing inside the message can add a recipient.
 */

export type FxSendCommand =
  | { kind: 'help' }
  | { kind: 'compose' }
  | { kind: 'send'; recipients: string[]; message: string }
  | { kind: 'usage'; problem: string };

export const USAGE = [
  '*Usage:* `/fx-send <recipients> <message>`',
  '• `<recipients>`: comma-separated, no spaces — Fxiaoke openUserIds (`FSUID_…`), numeric employee ids,',
  '   Slack mentions (`@name`, found in Fxiaoke by the config file, their e-mail or their phone) or aliases.',
  '• `<message>`: the rest of the text; line breaks are kept.',
  'Examples: `/fx-send FSUID_0A1B…,1001 The quote is ready` · `/fx-send sales Meeting moved to 3pm`',
  '`/fx-send help` shows this text.',
].join('\n');

export function parseFxSend(text: string | undefined): FxSendCommand {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return { kind: 'compose' };
  const match = /^(\S+)(?:[ \t]*\r?\n|\s+)?([\s\S]*)$/.exec(trimmed);
  const head = match?.[1] ?? trimmed;
  const message = (match?.[2] ?? '').trim();
  // `help`, `help me`, `HELP?`: nobody means a recipient called help.
  if (/^help\W*$/i.test(head)) return { kind: 'help' };
  const recipients = head.split(',').map((item) => item.trim());
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
