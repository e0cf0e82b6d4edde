/**
 * Property-based tests of Slack text → plain text (fast-check, fixed seeds): `mrkdwnToPlainText`
 * and `messageToPlainText` never throw on arbitrary strings, Slack-like markup (nested, unbalanced,
 * huge) or arbitrary JSON in place of blocks; they invent no live Slack mention; their work grows
 * linearly (counted, not timed: see scaling.ts).
 *
 * What "no live mention" means here: the output is plain text for Fxiaoke. A `<@U…>` in it can
 * only come from a `&lt;` the user typed (Slack escapes every literal `<`), and whatever shows it
 * back in Slack (receipts, App Home, held notices) escapes it first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mentionedUserIds,
  messageToPlainText,
  type SlackMessageLike,
} from '../../src/slack/text/message-text.js';
import { escapeMrkdwn, mrkdwnToPlainText, preview } from '../../src/slack/text/mrkdwn.js';
import { countedGrowth, MAX_GROWTH, reportWorst, SIZE_FACTOR, timed } from './scaling.js';

const RUNS = 3000;
/** The private-use characters the converter marks set-aside text with: they must never leak. */
const MARKERS = /[\uE000\uE001]/;
/** A mention Slack would render live: user, channel, user group, or @here/@channel/@everyone. */
const LIVE_MENTION = /<(?:@[UW]|#C|!(?:here|channel|everyone|subteam))/;

const count = (text: string, part: string) => text.split(part).length - 1;

/** How Slack escapes what a user typed (slash command text with should_escape, message text). */
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** The converter's own one-pass decoding: `&amp;lt;` stays `&lt;`. */
const slackUnescape = (text: string) =>
  text.replace(/&(lt|gt|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', amp: '&' })[name] ?? '');

const MARKUP_CHARS = '<>&@!#|^*_~`:;\n -.abcUW0123好✅';
const markupSoup = fc
  .array(fc.constantFrom(...MARKUP_CHARS.split(''), '&lt;', '&gt;', '&amp;', '```', '\uE000', '\uE001'), {
    maxLength: 120,
  })
  .map((parts) => parts.join(''));
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  markupSoup,
);

/** What a person types: anything, including characters that look like markup; escaped by Slack. */
const typed = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 16 }),
  fc.array(fc.constantFrom(...MARKUP_CHARS.split('')), { maxLength: 16 }).map((chars) => chars.join('')),
  fc.constantFrom(
    ':tada:',
    ':+1::skin-tone-4:',
    '*bold*',
    '_it_',
    '~s~',
    '`code`',
    '```\nblock\n```',
    'snake_case',
  ),
);
const label = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .filter((text) => !text.includes('|'))
  .map(slackEscape);
const id = (prefix: string) => fc.stringMatching(/^[A-Z0-9]{2,10}$/).map((rest) => `${prefix}${rest}`);
const userId = fc.oneof(id('U'), id('W'));

interface Token {
  markup: string;
  /** Text the output must contain for this token, when there is a definite one. */
  expect?: string;
}
/** Every kind of `<…>` Slack puts in message text, as Slack writes it. */
const token: fc.Arbitrary<Token> = fc.oneof(
  userId.map((user) => ({ markup: `<@${user}>`, expect: `@${user}` })),
  fc
    .tuple(userId, label)
    .map(([user, name]) => ({ markup: `<@${user}|${name}>`, expect: `@${slackUnescape(name)}` })),
  id('C').map((channel) => ({ markup: `<#${channel}>`, expect: '#channel' })),
  fc.tuple(id('C'), label).map(([channel, name]) => ({ markup: `<#${channel}|${name}>` })),
  fc
    .constantFrom('here', 'channel', 'everyone')
    .map((name) => ({ markup: `<!${name}>`, expect: `@${name}` })),
  fc
    .constantFrom('here', 'channel', 'everyone')
    .map((name) => ({ markup: `<!${name}|${name}>`, expect: `@${name}` })),
  fc.tuple(id('S'), label).map(([group, name]) => ({ markup: `<!subteam^${group}|@${name}>` })),
  id('S').map((group) => ({ markup: `<!subteam^${group}>`, expect: '@group' })),
  fc.tuple(fc.integer({ min: 0, max: 2_000_000_000 }), label).map(([seconds, fallback]) => ({
    markup: `<!date^${seconds}^{date_short}|${fallback}>`,
  })),
  fc.tuple(fc.webUrl(), fc.option(label, { nil: undefined })).map(([url, text]) => ({
    markup: text === undefined ? `<${slackEscape(url)}>` : `<${slackEscape(url)}|${text}>`,
  })),
  fc.emailAddress().map((address) => ({ markup: `<mailto:${address}|${address}>`, expect: address })),
);
const slackText = fc.array(
  fc.oneof(
    typed.map((text) => ({ markup: slackEscape(text) }) as Token),
    token,
  ),
  {
    maxLength: 20,
  },
);

describe('mrkdwnToPlainText (property-based)', () => {
  it('never throws on any string, never leaks its markers, and whatever Slack shows of it is inert', () => {
    const worst = { ms: 0 };
    fc.assert(
      fc.property(anyString, (text) => {
        const out = timed(() => mrkdwnToPlainText(text, { user: (user) => `name of ${user}` }), worst);
        expect(typeof out).toBe('string');
        expect(out).not.toMatch(MARKERS);
        // Receipts and App Home show relayed text only through these: no markup survives them.
        expect(preview(out)).not.toContain('<');
        expect(escapeMrkdwn(out)).not.toMatch(/[<>]/);
      }),
      { seed: 20_260_511, numRuns: RUNS },
    );
    reportWorst(worst);
  });

  it('on text as Slack sends it, every `<` in the output is one the user typed: no mention is invented', () => {
    const worst = { ms: 0 };
    fc.assert(
      fc.property(slackText, (parts) => {
        const input = parts.map((part) => part.markup).join('');
        const out = timed(() => mrkdwnToPlainText(input), worst);
        expect(out).not.toMatch(MARKERS);
        expect(count(out, '<')).toBeLessThanOrEqual(count(input, '&lt;'));
        if (!input.includes('&lt;')) expect(out).not.toMatch(LIVE_MENTION);
        for (const part of parts) if (part.expect !== undefined) expect(out).toContain(part.expect);
      }),
      { seed: 20_260_512, numRuns: RUNS },
    );
    reportWorst(worst);
  });

  it('leaves text without any markup character exactly as it is', () => {
    const plain = fc
      .string({ unit: 'grapheme', maxLength: 200 })
      .filter((text) => !/[<>&*_~`:\uE000\uE001]/.test(text));
    fc.assert(
      fc.property(plain, (text) => {
        expect(mrkdwnToPlainText(text)).toBe(text);
      }),
      { seed: 20_260_513, numRuns: RUNS },
    );
  });

  it('does linear work on adversarial inputs (up to 100 KB)', async () => {
    const KB = 1024;
    const fill = (unit: string) => (length: number) =>
      unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
    // And Slack-like text from a fixed seed, cut to length.
    const [parts] = fc.sample(fc.array(slackText, { minLength: 400, maxLength: 400 }), {
      seed: 7,
      numRuns: 1,
    });
    const sample = (parts ?? [])
      .flat()
      .map((part) => part.markup)
      .join('');
    const inputs: [string, (length: number) => string][] = [
      ['open brackets', fill('<')],
      ['nested brackets', (length) => `${'<'.repeat(length / 2)}${'>'.repeat(length / 2)}`],
      ['unclosed mentions', fill('<@U1|')],
      ['mentions', fill('<@U012ABC|alice> ')],
      ['unclosed links', fill('<https://example.com/a_b|')],
      ['fences', fill('```')],
      ['backticks', fill('`a')],
      ['unclosed bold', fill('*a ')],
      ['unclosed italic', fill(' _a')],
      ['bold pairs', fill('*a* ')],
      ['colons', fill(':a')],
      ['emoji', fill(':tada:')],
      ['entities', fill('&amp;lt;')],
      ['one long line of markup soup', fill('<@U1|*_~`:&lt;>#!')],
      ['markers', fill('\uE000\uE0010\uE001')],
      ['random Slack text', fill(sample)],
    ];
    const report: string[] = [];
    for (const [name, make] of inputs) {
      expect(mrkdwnToPlainText(make(100 * KB)), name).not.toMatch(MARKERS);
      const { ratio, small, large, largeCount } = await countedGrowth(
        (text) => mrkdwnToPlainText(text),
        make,
        12.5 * KB,
      );
      report.push(
        `${name} ×${ratio.toFixed(2)} (${small / KB}→${large / KB} KB, ${largeCount} characters searched)`,
      );
      expect(ratio, `${name}: ${SIZE_FACTOR}× the input took ${ratio.toFixed(2)}× the work`).toBeLessThan(
        MAX_GROWTH,
      );
    }
    console.log(`mrkdwnToPlainText work growth for ${SIZE_FACTOR}× the input: ${report.join(', ')}`);
  });
});

describe('messageToPlainText (property-based)', () => {
  /** Arbitrary JSON where Slack puts blocks and attachments: wrong types, missing fields, anything. */
  const junk = fc.jsonValue({ maxDepth: 6 });
  const blockType = fc.constantFrom(
    'rich_text',
    'section',
    'header',
    'context',
    'image',
    'divider',
    'actions',
  );
  const elementType = fc.constantFrom(
    'rich_text_section',
    'rich_text_preformatted',
    'rich_text_quote',
    'rich_text_list',
    'text',
    'link',
    'user',
    'channel',
    'usergroup',
    'broadcast',
    'emoji',
    'date',
    'mrkdwn',
    'plain_text',
  );
  /** Block-shaped values with every field possibly of the wrong type. */
  const element: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.record(
      {
        type: fc.oneof(elementType, junk),
        text: fc.oneof(anyString, junk),
        url: fc.oneof(fc.webUrl(), junk),
        user_id: fc.oneof(userId, junk),
        name: fc.oneof(fc.constantFrom('tada', '+1', 'nope'), junk),
        unicode: fc.oneof(fc.constantFrom('1f44d-1f3fd', 'zz', '110000', ''), junk),
        range: fc.oneof(fc.constantFrom('here', 'channel'), junk),
        style: fc.oneof(fc.constantFrom('ordered', 'bullet'), junk),
        indent: fc.oneof(fc.integer({ min: -5, max: 50 }), junk),
        offset: fc.oneof(fc.integer(), junk),
        fallback: fc.oneof(anyString, junk),
        elements: fc.oneof(fc.array(tie('node'), { maxLength: 4 }), junk),
      },
      { requiredKeys: [] },
    ),
  })).node;
  const block = fc.record(
    {
      type: fc.oneof(blockType, junk),
      elements: fc.oneof(fc.array(element, { maxLength: 4 }), junk),
      text: fc.oneof(element, junk),
      fields: fc.oneof(fc.array(element, { maxLength: 3 }), junk),
    },
    { requiredKeys: [] },
  );
  const attachment = fc.record(
    {
      pretext: fc.oneof(anyString, junk),
      title: fc.oneof(anyString, junk),
      title_link: fc.oneof(fc.webUrl(), junk),
      text: fc.oneof(anyString, junk),
      fallback: fc.oneof(anyString, junk),
      fields: fc.oneof(fc.array(fc.record({ title: anyString, value: anyString }), { maxLength: 3 }), junk),
    },
    { requiredKeys: [] },
  );
  const message = fc.record(
    {
      text: fc.oneof(anyString, fc.constant('')),
      blocks: fc.oneof(fc.array(block, { maxLength: 4 }), junk),
      attachments: fc.oneof(fc.array(attachment, { maxLength: 3 }), junk),
    },
    { requiredKeys: [] },
  );

  it('never throws on any message shape and never leaks markers; mentionedUserIds never throws', () => {
    const worst = { ms: 0 };
    fc.assert(
      fc.property(message, (value) => {
        const shaped = value as SlackMessageLike;
        const out = timed(() => messageToPlainText(shaped, { user: (user) => `name of ${user}` }), worst);
        expect(typeof out).toBe('string');
        // plain_text and rich text are raw: only a marker that was in the message may be in the text.
        if (!MARKERS.test(JSON.stringify(value))) expect(out).not.toMatch(MARKERS);
        const ids = mentionedUserIds(shaped);
        expect(ids.every((each) => typeof each === 'string')).toBe(true);
      }),
      { seed: 20_260_521, numRuns: RUNS },
    );
    reportWorst(worst);
  });

  it('keeps every rich-text text run as typed (raw, not markup) and names every user element', () => {
    const run = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
      .filter((text) => !text.includes('\n') && text.trim() !== '');
    const inline = fc.oneof(
      run.map((text) => ({ element: { type: 'text', text }, expect: text })),
      userId.map((user) => ({ element: { type: 'user', user_id: user }, expect: `@${user}` })),
      fc.constantFrom('here', 'channel', 'everyone').map((range) => ({
        element: { type: 'broadcast', range },
        expect: `@${range}`,
      })),
    );
    fc.assert(
      fc.property(fc.array(inline, { minLength: 1, maxLength: 10 }), fc.boolean(), (parts, quoted) => {
        const section = {
          type: quoted ? 'rich_text_quote' : 'rich_text_section',
          elements: parts.map((p) => p.element),
        };
        const out = messageToPlainText({ blocks: [{ type: 'rich_text', elements: [section] }] });
        // The whole text is trimmed, so a run at either end may lose its outer white space.
        for (const part of parts) expect(out).toContain(part.expect.trim());
        expect(mentionedUserIds({ blocks: [{ type: 'rich_text', elements: [section] }] })).toEqual([
          ...new Set(parts.flatMap(({ element }) => ('user_id' in element ? [element.user_id] : []))),
        ]);
      }),
      { seed: 20_260_522, numRuns: RUNS },
    );
  });

  it('copes with deeply nested lists and a 100 KB message text', () => {
    let nested: Record<string, unknown> = {
      type: 'rich_text_section',
      elements: [{ type: 'text', text: 'deep' }],
    };
    for (let depth = 0; depth < 1000; depth++)
      nested = { type: 'rich_text_list', style: 'bullet', elements: [nested] };
    const deep = { blocks: [{ type: 'rich_text', elements: [nested] }] };
    expect(messageToPlainText(deep)).toContain('deep');
    expect(mentionedUserIds(deep)).toEqual([]);

    const text = '<@U012ABC|alice> *see* <https://example.com|the doc> :tada: '.repeat(2000);
    const out = messageToPlainText({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
    expect(out).toContain('@alice see the doc (https://example.com) 🎉');
    expect(out).not.toMatch(LIVE_MENTION);
  });
});
