import { describe, expect, it } from 'vitest';
import { parseFxSend, USAGE } from '../../src/relay/grammar.js';

describe('parseFxSend', () => {
  it('opens the compose modal for no text, empty text or only whitespace', () => {
    expect(parseFxSend(undefined)).toEqual({ kind: 'compose' });
    expect(parseFxSend('')).toEqual({ kind: 'compose' });
    expect(parseFxSend('  \n\t ')).toEqual({ kind: 'compose' });
  });

  it('prints help for `help` in any case, with surrounding whitespace', () => {
    expect(parseFxSend('help')).toEqual({ kind: 'help' });
    expect(parseFxSend('  HELP \n')).toEqual({ kind: 'help' });
    expect(parseFxSend('Help')).toEqual({ kind: 'help' });
  });

  it('treats `help` followed by anything as a request for help', () => {
    expect(parseFxSend('help me please')).toEqual({ kind: 'help' });
    expect(parseFxSend('HELP?')).toEqual({ kind: 'help' });
    expect(parseFxSend('helpdesk,1001 hi')).toMatchObject({ kind: 'send', recipients: ['helpdesk', '1001'] });
  });

  it('takes the first token as the recipient list and the rest as the message', () => {
    expect(parseFxSend('FSUID_A1,1001,sales The quote is ready')).toEqual({
      kind: 'send',
      recipients: ['FSUID_A1', '1001', 'sales'],
      message: 'The quote is ready',
    });
  });

  it('keeps the newlines and inner spacing of a multi-line message', () => {
    const text = 'FSUID_A1 Line one\n\n  indented line\nlast  line  ';
    expect(parseFxSend(text)).toEqual({
      kind: 'send',
      recipients: ['FSUID_A1'],
      message: 'Line one\n\n  indented line\nlast  line',
    });
  });

  it('accepts the message starting on the next line after the recipients', () => {
    expect(parseFxSend('sales\nLine one\nLine two')).toEqual({
      kind: 'send',
      recipients: ['sales'],
      message: 'Line one\nLine two',
    });
    expect(parseFxSend('sales  \r\nLine one\r\nLine two')).toEqual({
      kind: 'send',
      recipients: ['sales'],
      message: 'Line one\r\nLine two',
    });
  });

  it('keeps the indentation of a following line when the message starts on the next line', () => {
    expect(parseFxSend('sales\n\nfirst\n  second')).toEqual({
      kind: 'send',
      recipients: ['sales'],
      message: 'first\n  second',
    });
  });

  it('splits recipients from the message on a tab', () => {
    expect(parseFxSend('1001,1002\tHello\tthere')).toEqual({
      kind: 'send',
      recipients: ['1001', '1002'],
      message: 'Hello\tthere',
    });
  });

  it('keeps Slack mentions as recipient items and in the message untouched', () => {
    expect(parseFxSend('<@U0ALICE|alice>,sales ping <@U0BOB|bob>')).toEqual({
      kind: 'send',
      recipients: ['<@U0ALICE|alice>', 'sales'],
      message: 'ping <@U0BOB|bob>',
    });
  });

  it('never takes recipients from the message', () => {
    const parsed = parseFxSend('1001 hello, 1002,1003 there');
    expect(parsed).toEqual({ kind: 'send', recipients: ['1001'], message: 'hello, 1002,1003 there' });
  });

  it('refuses an empty item in the recipient list', () => {
    for (const text of ['1001,,1002 hi', ',1001 hi', '1001, hi there', '1001,\nhi']) {
      const parsed = parseFxSend(text);
      expect(parsed.kind, text).toBe('usage');
      expect(parsed.kind === 'usage' && parsed.problem).toMatch(/empty item/);
    }
  });

  it('refuses recipients without a message, naming them', () => {
    const parsed = parseFxSend('1001,1002');
    expect(parsed).toEqual({
      kind: 'usage',
      problem: 'There is no message after the recipients (1001,1002).',
    });
    expect(parseFxSend('1001,1002 \n  ').kind).toBe('usage');
  });

  it('documents the grammar in USAGE', () => {
    expect(USAGE).toContain('/fx-send <recipients> <message>');
    expect(USAGE).toContain('/fx-send help');
  });
});

describe('parseFxSend: departments', () => {
  it('takes dept:<id> and dept:<name> as items like any other', () => {
    expect(parseFxSend('dept:1002,sales,dept:销售部 Hello')).toEqual({
      kind: 'send',
      recipients: ['dept:1002', 'sales', 'dept:销售部'],
      message: 'Hello',
    });
  });

  it('keeps a quoted department name with spaces (and commas) in the recipients', () => {
    expect(parseFxSend('dept:"Sales East",1001 The quote is ready')).toEqual({
      kind: 'send',
      recipients: ['dept:"Sales East"', '1001'],
      message: 'The quote is ready',
    });
    expect(parseFxSend('1001,dept:“Sales, East” hi\nthere')).toEqual({
      kind: 'send',
      recipients: ['1001', 'dept:“Sales, East”'],
      message: 'hi\nthere',
    });
  });

  it('quotes count only right after dept: at the start of an item, and only on the first line', () => {
    // A quote anywhere else is part of an ordinary word: the message starts at the first space.
    expect(parseFxSend('sales"x y" z')).toMatchObject({ recipients: ['sales"x'], message: 'y" z' });
    // Unclosed on its line: the token ends at the first space, as always.
    expect(parseFxSend('dept:"Sales East\nlater" text')).toMatchObject({
      recipients: ['dept:"Sales'],
      message: 'East\nlater" text',
    });
  });
});
