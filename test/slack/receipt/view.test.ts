import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import type { RelayBatch, RelayRecord } from '../../../src/relay/types.js';
import {
  isRevocable,
  REVOKE_ACTION_ID,
  type Receipt,
  renderReceipt,
} from '../../../src/slack/receipt/view.js';
import { makeBatch, makeRecord } from '../../store/records.js';

const REVOKED_AT = 1_700_000_123_456;

function sent(index: number, overrides: Partial<RelayBatch> = {}): RelayBatch {
  return makeBatch(index, { status: 'sent', traceId: `E-${index}`, messageId: `msg-${index}`, ...overrides });
}

function record(overrides: Partial<RelayRecord> = {}): RelayRecord {
  return makeRecord({
    senderId: 'U0SENDER',
    text: 'The quote is ready',
    recipients: ['FSUID_A', 'FSUID_B'],
    status: 'sent',
    batches: [sent(0)],
    ...overrides,
  });
}

function buttons(receipt: Receipt): types.Button[] {
  return receipt.blocks.flatMap((block) =>
    block.type === 'actions'
      ? block.elements.filter((element): element is types.Button => element.type === 'button')
      : [],
  );
}

/** Every mrkdwn / plain text a reader sees in the blocks, one entry per text object. */
function visible(receipt: Receipt): string[] {
  return receipt.blocks.flatMap((block) => {
    if (block.type === 'section') return block.text ? [block.text.text] : [];
    if (block.type === 'context')
      return block.elements.flatMap((element) => ('text' in element ? [element.text] : []));
    return [];
  });
}

function shows(receipt: Receipt, fragment: string): boolean {
  return visible(receipt).some((text) => text.includes(fragment));
}

describe('renderReceipt', () => {
  it('renders a sent relay with its traceId and a Revoke button carrying the relay id', () => {
    const relay = record();
    const receipt = renderReceipt(relay);

    expect(visible(receipt)[0]).toBe(':outbox_tray: <@U0SENDER> sent a message to Fxiaoke — 2 recipients');
    expect(visible(receipt)[1]).toBe('>The quote is ready');
    expect(shows(receipt, ':white_check_mark: Sent')).toBe(true);
    expect(shows(receipt, `traceId \`E-0\` · relay \`${relay.id}\``)).toBe(true);

    const [button, ...others] = buttons(receipt);
    expect(others).toEqual([]);
    expect(button?.action_id).toBe(REVOKE_ACTION_ID);
    expect(REVOKE_ACTION_ID).toBe('fx_revoke');
    expect(button?.value).toBe(relay.id);
    expect(button?.style).toBe('danger');
    expect(button?.confirm?.text.text).toBe('This removes the message from 2 recipients in Fxiaoke.');
    expect(receipt.text).toBe('Sent to Fxiaoke by <@U0SENDER> — 2 recipients, status sent, traceId E-0');
  });

  it('says 1 recipient in the singular', () => {
    const receipt = renderReceipt(record({ recipients: ['FSUID_A'] }));
    expect(visible(receipt)[0]).toMatch(/— 1 recipient$/);
  });

  it('renders a revoked relay without a button, naming who revoked it and when', () => {
    const receipt = renderReceipt(
      record({
        status: 'revoked',
        revokedBy: 'U0ADMIN',
        revokedAt: REVOKED_AT,
        batches: [sent(0, { status: 'revoked', revokeTraceId: 'E-REV-0' })],
      }),
    );
    expect(buttons(receipt)).toEqual([]);
    expect(shows(receipt, ':wastebasket: Revoked by <@U0ADMIN>')).toBe(true);
    expect(shows(receipt, `<!date^${Math.floor(REVOKED_AT / 1000)}^`)).toBe(true);
    expect(shows(receipt, 'traceId `E-0` · revoke traceId `E-REV-0`')).toBe(true);
    expect(shows(receipt, ':information_source:')).toBe(false);
  });

  it('explains, without a button, that a send without a service account cannot be revoked', () => {
    const receipt = renderReceipt(
      record({ serviceId: undefined, batches: [sent(0, { messageId: undefined })] }),
    );
    expect(buttons(receipt)).toEqual([]);
    expect(
      shows(receipt, 'Sent without a Fxiaoke service account: Fxiaoke does not allow revoking it.'),
    ).toBe(true);
  });

  it('explains, without a button, that a send without a message id cannot be revoked', () => {
    const receipt = renderReceipt(record({ batches: [sent(0, { messageId: undefined })] }));
    expect(buttons(receipt)).toEqual([]);
    expect(shows(receipt, 'Fxiaoke returned no message id, so this message cannot be revoked.')).toBe(true);
  });

  it('shows a partial relay with the failure, its errorCode and traceId, and keeps the button', () => {
    const receipt = renderReceipt(
      record({
        status: 'partial',
        batches: [
          sent(0),
          makeBatch(1, {
            status: 'failed',
            error: {
              code: 20012,
              kind: 'recipient',
              message: 'A recipient does not exist.',
              traceId: 'E-BAD',
            },
          }),
        ],
      }),
    );
    expect(shows(receipt, ':warning: Partly sent: 1 of 2 batches reached Fxiaoke')).toBe(true);
    expect(
      shows(receipt, '1 batch failed: A recipient does not exist. (errorCode 20012, traceId `E-BAD`)'),
    ).toBe(true);
    expect(buttons(receipt).map((button) => button.action_id)).toEqual([REVOKE_ACTION_ID]);
  });

  it('says so when a failed batch has no traceId', () => {
    const receipt = renderReceipt(
      record({
        status: 'unknown',
        batches: [
          makeBatch(0, { status: 'unknown', error: { kind: 'transport_unknown', message: 'Timed out.' } }),
        ],
      }),
    );
    expect(shows(receipt, ':grey_question: Outcome unknown')).toBe(true);
    expect(shows(receipt, 'Timed out. (no traceId (Fxiaoke did not answer))')).toBe(true);
    expect(buttons(receipt)).toEqual([]);
  });

  // BUG (src/slack/receipt/view.ts:101): `plural(n, 'batch')` appends a bare "s", so two failed
  // batches read "2 batchs failed".
  it('spells the plural of batch correctly', () => {
    const error = { code: 30002, kind: 'quota', message: 'Quota used up.', traceId: 'E-Q' };
    const receipt = renderReceipt(
      record({
        status: 'partial',
        batches: [
          sent(0),
          makeBatch(1, { status: 'failed', error }),
          makeBatch(2, { status: 'failed', error: { ...error, kind: 'not_attempted' } }),
        ],
      }),
    );
    expect(shows(receipt, '2 batches failed')).toBe(true);
  });

  it('lists the traceId of every batch, in the blocks and in the fallback text', () => {
    const receipt = renderReceipt(record({ batches: [sent(0), sent(1), sent(2)] }));
    expect(shows(receipt, 'traceId `E-0`, `E-1`, `E-2`')).toBe(true);
    expect(receipt.text).toContain('traceId E-0, E-1, E-2');
  });

  it('shows progress while sending, without a button yet', () => {
    const receipt = renderReceipt(
      record({ status: 'pending', batches: [sent(0), makeBatch(1), makeBatch(2)] }),
    );
    expect(shows(receipt, ':hourglass_flowing_sand: Sending… batch 2 of 3')).toBe(true);
    expect(buttons(receipt)).toEqual([]);
  });

  it('renders a failed relay as not sent, with no button and no revocability note', () => {
    const receipt = renderReceipt(
      record({
        status: 'failed',
        batches: [
          makeBatch(0, { status: 'failed', error: { code: 20006, kind: 'config', message: 'Bad app.' } }),
        ],
      }),
    );
    expect(shows(receipt, ':x: Not sent · no traceId ·')).toBe(true);
    expect(shows(receipt, ':information_source:')).toBe(false);
    expect(buttons(receipt)).toEqual([]);
    expect(receipt.text).toContain('status failed, traceId none');
  });

  it('escapes the user text so it cannot ping @channel or fake a link', () => {
    const receipt = renderReceipt(
      record({ text: 'Heads up <!channel> & <https://evil.example|click> <@U0BOSS>' }),
    );
    const everything = JSON.stringify(receipt);
    expect(everything).not.toContain('<!channel>');
    expect(everything).not.toContain('<https://evil.example');
    expect(everything).not.toContain('<@U0BOSS>');
    expect(visible(receipt)[1]).toBe(
      '>Heads up &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; &lt;@U0BOSS&gt;',
    );
    expect(receipt.text).not.toContain('Heads up');
  });

  it('keeps a long message to a clipped quote', () => {
    const receipt = renderReceipt(record({ text: 'z'.repeat(5000) }));
    expect(visible(receipt)[1]?.length).toBeLessThanOrEqual(281);
  });
});

describe('isRevocable', () => {
  const cases: [string, Partial<RelayRecord>, boolean][] = [
    ['sent with a message id', {}, true],
    ['partial with a message id', { status: 'partial' }, true],
    ['unknown with a sent batch', { status: 'unknown' }, true],
    ['pending', { status: 'pending' }, false],
    ['revoking', { status: 'revoking' }, false],
    ['revoked', { status: 'revoked' }, false],
    ['failed', { status: 'failed' }, false],
    ['no service account', { serviceId: undefined }, false],
    ['no message id', { batches: [sent(0, { messageId: undefined })] }, false],
    ['only revoked batches left', { batches: [sent(0, { status: 'revoked' })] }, false],
  ];
  for (const [name, overrides, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      expect(isRevocable(record(overrides))).toBe(expected);
    });
  }
});

describe('a card relay’s receipt', () => {
  it('says a card went out, and what its link opens; a text relay’s says neither', () => {
    const card = (linkTo: 'message' | 'channel') =>
      renderReceipt(
        record({ format: 'card', card: { title: 'bob in #general (Slack)', url: 'https://x', linkTo } }),
      );
    const toMessage = card('message');
    expect(toMessage.text).toMatch(/^Sent to Fxiaoke as a card by <@U0SENDER>/);
    expect(visible(toMessage)[0]).toContain('sent a card to Fxiaoke');
    expect(visible(toMessage).join('\n')).toContain('as a card linking to the Slack message');
    expect(visible(card('channel')).join('\n')).toContain('as a card linking to the channel');
    expect(buttons(toMessage).map((button) => button.action_id)).toEqual([REVOKE_ACTION_ID]);
    const text = renderReceipt(record());
    expect(text.text).not.toContain('card');
    expect(visible(text).join('\n')).not.toContain('card');
  });
});

describe('a receipt after a revoke whose answer was lost', () => {
  const lost = { kind: 'revoke_uncertain', message: 'Fxiaoke did not answer in time.' };
  const refusedAfter = { kind: 'revoke_uncertain', code: 90409, traceId: 'E-R', message: 'Unknown code.' };

  it('says it may or may not be revoked, with the Revoke button, until something settles it', () => {
    const receipt = renderReceipt(record({ batches: [sent(0, { revokeError: lost })] }));
    expect(shows(receipt, 'a revoke may or may not have taken effect')).toBe(true);
    expect(shows(receipt, 'Revoke again to settle it')).toBe(true);
    expect(shows(receipt, ':white_check_mark: Sent')).toBe(false);
    expect(buttons(receipt).map((button) => button.action_id)).toEqual([REVOKE_ACTION_ID]);
  });

  it('stays uncertain after a later refusal, and names the code Fxiaoke refused it with', () => {
    const receipt = renderReceipt(record({ batches: [sent(0, { revokeError: refusedAfter })] }));
    expect(shows(receipt, 'a revoke may or may not have taken effect')).toBe(true);
    expect(shows(receipt, 'it answered a later revoke with errorCode 90409')).toBe(true);
    expect(shows(receipt, ':white_check_mark: Sent')).toBe(false);
    expect(buttons(receipt)).toHaveLength(1);
  });

  it('says so on a partly sent or unknown relay too', () => {
    const failed = makeBatch(1, { status: 'failed', error: { kind: 'recipient', message: 'x' } });
    const partial = renderReceipt(
      record({ status: 'partial', batches: [sent(0, { revokeError: lost }), failed] }),
    );
    expect(shows(partial, 'Partly sent: 1 of 2 batches reached Fxiaoke; a revoke may or may not')).toBe(true);
    const unknownBatch = makeBatch(1, { status: 'unknown' });
    const unknown = renderReceipt(
      record({ status: 'unknown', batches: [sent(0, { revokeError: refusedAfter }), unknownBatch] }),
    );
    expect(shows(unknown, 'Outcome unknown: Fxiaoke did not answer for some batches; a revoke may')).toBe(
      true,
    );
  });

  it('is a plain failure when no answer was lost', () => {
    const receipt = renderReceipt(
      record({ batches: [sent(0, { revokeError: { kind: 'unknown', code: 90409, message: 'x' } })] }),
    );
    expect(shows(receipt, ':white_check_mark: Sent')).toBe(true);
    expect(shows(receipt, 'may or may not')).toBe(false);
  });
});
