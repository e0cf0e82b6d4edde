/**
 * Property-based tests of the `/fx-send` grammar (fast-check, fixed seeds so a failure replays):
 * it never throws, does linear work on any input (counted, not timed: see scaling.ts), and takes
 * recipients only from the first token, so nothing written in the message (ids, commas, mentions,
 * line breaks) can add a recipient. The one way a token holds white space is a quoted department
 * name right after `dept:` at the start of an item, closed on the same line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFxSend } from '../../src/relay/grammar.js';
import { countedGrowth, MAX_GROWTH, reportWorst, SIZE_FACTOR, timed } from './scaling.js';

const RUNS = 3000;

/** Every character JavaScript's `\s` and `String#trim` treat as white space or a line end. */
const WHITESPACE = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\v',
  '\f',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
];
const isSpace = (char: string) => /\s/.test(char);

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9A-F]{${length}}$`));
const openUserId = hex(32).map((digits) => `FSUID_${digits}`);
const employeeId = fc.integer({ min: 0, max: 999_999_999 }).map(String);
const slackUserId = fc.stringMatching(/^[UW][A-Z0-9]{2,11}$/);
const mention = fc
  .tuple(slackUserId, fc.option(fc.stringMatching(/^[a-z0-9._-]{1,12}$/), { nil: undefined }))
  .map(([id, label]) => (label === undefined ? `<@${id}>` : `<@${id}|${label}>`));
/** Anything without white space or commas: aliases, typos, emoji, control characters, lone surrogates. */
const oddItem = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 12 })
  .map((text) => [...text].filter((char) => !isSpace(char) && char !== ',').join(''))
  .filter((text) => text !== '');

/** A department by name, quoted (straight or curly) so it may hold spaces and commas. */
const quotedDepartment = fc
  .tuple(fc.constantFrom(['"', '"'], ['“', '”']), fc.stringMatching(/^[A-Za-z0-9 ,.-]{1,16}$/))
  .map(([[open, close], name]) => `dept:${open}${name}${close}`);

const recipientItem = fc.oneof(
  openUserId,
  employeeId,
  mention,
  fc.constantFrom('sales', 'Ops-Team', 'dept:1002', 'dept:销售部'),
  quotedDepartment,
  oddItem,
);
/**
 * The model of the first token, written independently of the parser: non-space characters, and a
 * `dept:` quote at the start of an item up to its closing quote on the same line.
 */
const FIRST_TOKEN = /^(?:(?<=^|,)dept:(?:"[^"\r\n]*"|“[^”\r\n]*”)|\S)+/i;
/** A recipients token as a user types it; `help…` alone means help, not a recipient called help. */
const recipientsToken = fc
  .array(recipientItem, { minLength: 1, maxLength: 8 })
  .filter((items) => !/^help\W*$/i.test(items.join(',')));

/** Message text built to look like recipients: ids, commas, mentions, line breaks, odd spaces. */
const messagePiece = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: openUserId },
  { weight: 2, arbitrary: mention },
  { weight: 1, arbitrary: employeeId },
  { weight: 1, arbitrary: fc.constantFrom(',', ',,', ', ', 'to:', 'cc', '<!channel>', '<!here>', 'help') },
  { weight: 2, arbitrary: fc.constantFrom(...WHITESPACE) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);
const message = fc
  .array(messagePiece, { minLength: 1, maxLength: 24 })
  .map((pieces) => pieces.join(''))
  .filter((text) => text.trim() !== '');
const separator = fc.oneof(
  fc.constant(' '),
  fc.array(fc.constantFrom(...WHITESPACE), { minLength: 1, maxLength: 4 }).map((spaces) => spaces.join('')),
);

describe('parseFxSend (property-based)', () => {
  it('never throws and answers one of its four kinds for any string', () => {
    const worst = { ms: 0 };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ unit: 'grapheme', maxLength: 300 }),
        ),
        (text) => {
          const parsed = timed(() => parseFxSend(text), worst);
          expect(['help', 'compose', 'send', 'usage']).toContain(parsed.kind);
          if (parsed.kind === 'send') {
            expect(parsed.recipients.length).toBeGreaterThan(0);
            expect(parsed.message).not.toBe('');
          }
        },
      ),
      { seed: 20_260_501, numRuns: RUNS },
    );
    reportWorst(worst);
  });

  it('takes exactly the first token’s items as recipients, and the rest (trimmed) as the message', () => {
    const worst = { ms: 0 };
    fc.assert(
      fc.property(recipientsToken, separator, message, (items, gap, text) => {
        const parsed = timed(() => parseFxSend(`${items.join(',')}${gap}${text}`), worst);
        expect(parsed).toEqual({ kind: 'send', recipients: items, message: text.trim() });
      }),
      { seed: 20_260_502, numRuns: RUNS },
    );
    reportWorst(worst);
  });

  it('recipients never depend on the message: any two messages give the same recipients', () => {
    fc.assert(
      fc.property(recipientsToken, message, message, (items, first, second) => {
        const token = items.join(',');
        const a = parseFxSend(`${token} ${first}`);
        const b = parseFxSend(`${token}\n${second}`);
        expect(a.kind).toBe('send');
        expect(b.kind).toBe('send');
        if (a.kind === 'send' && b.kind === 'send') expect(a.recipients).toEqual(b.recipients);
      }),
      { seed: 20_260_503, numRuns: RUNS },
    );
  });

  it('on any input, a send’s recipients are the first token and its message is the rest', () => {
    const wordsAndSpaces = fc
      .array(fc.oneof(messagePiece, recipientItem, fc.constantFrom(...WHITESPACE)), { maxLength: 30 })
      .map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(wordsAndSpaces, (text) => {
        const parsed = parseFxSend(text);
        if (parsed.kind !== 'send') return;
        const trimmed = text.trim();
        const firstWord = FIRST_TOKEN.exec(trimmed)?.[0] ?? '';
        expect(parsed.recipients.join(',')).toBe(firstWord);
        expect(trimmed.endsWith(parsed.message)).toBe(true);
        expect(trimmed.slice(firstWord.length).trim()).toBe(parsed.message);
      }),
      { seed: 20_260_504, numRuns: RUNS },
    );
  });

  it('does linear work on huge and pathological inputs (up to 1 MB)', async () => {
    const KB = 1024;
    const fill = (unit: string) => (length: number) =>
      unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
    const inputs: [string, (length: number) => string][] = [
      ['one long word', fill('x')],
      ['only commas', fill(',')],
      ['items and commas', fill('a,')],
      ['only white space', fill(' \t\n\u3000')],
      ['word then spaces', (length) => `FSUID_A ${' '.repeat(length)}x`],
      ['alternating', fill('a \n')],
      ['CR without LF', (length) => `a${' \r'.repeat(length / 2)}b`],
      ['help then junk', (length) => `help${'!'.repeat(length)}`],
      ['unclosed department quotes', fill('dept:“,')],
    ];
    const report: string[] = [];
    for (const [label, make] of inputs) {
      expect(() => parseFxSend(make(1024 * KB)), label).not.toThrow();
      const { ratio, small, large, largeCount } = await countedGrowth(
        (text) => parseFxSend(text),
        make,
        128 * KB,
      );
      report.push(
        `${label} ×${ratio.toFixed(2)} (${small / KB}→${large / KB} KB, ${largeCount} characters searched)`,
      );
      expect(ratio, `${label}: ${SIZE_FACTOR}× the input took ${ratio.toFixed(2)}× the work`).toBeLessThan(
        MAX_GROWTH,
      );
    }
    console.log(`parseFxSend work growth for ${SIZE_FACTOR}× the input: ${report.join(', ')}`);
  });
});
