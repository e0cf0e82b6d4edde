import { describe, expect, it } from 'vitest';
import { attribute } from '../../src/relay/attribution.js';

describe('attribute', () => {
  it('fills in sender, channel and text', () => {
    expect(
      attribute('{sender} (via Slack #{channel}):\n{text}', {
        senderName: 'bob',
        channelName: 'general',
        text: 'Hi',
      }),
    ).toBe('bob (via Slack #general):\nHi');
  });

  it('replaces every occurrence and leaves other braces alone', () => {
    expect(
      attribute('{text} / {text} — {sender} {unknown} {SENDER}', {
        senderName: 'bob',
        channelName: 'c',
        text: 't',
      }),
    ).toBe('t / t — bob {unknown} {SENDER}');
  });

  it('names a direct message when there is no channel', () => {
    expect(attribute('[{channel}] {text}', { senderName: 'bob', channelName: undefined, text: 'Hi' })).toBe(
      '[direct message] Hi',
    );
  });

  it('does not expand placeholders inside the text or the names', () => {
    expect(
      attribute('{sender} in {channel}: {text}', {
        senderName: 'eve {text}',
        channelName: '{sender}',
        text: 'see {sender}, {channel} and {text}',
      }),
    ).toBe('eve {text} in {sender}: see {sender}, {channel} and {text}');
  });

  it('keeps replacement patterns such as $& and $1 in the text literally', () => {
    expect(attribute('{text}', { senderName: 'bob', channelName: 'c', text: "cost $& $1 $$ $` $'" })).toBe(
      "cost $& $1 $$ $` $'",
    );
  });

  it('keeps a template without placeholders as it is', () => {
    expect(attribute('fixed', { senderName: 'bob', channelName: 'c', text: 'Hi' })).toBe('fixed');
  });
});
