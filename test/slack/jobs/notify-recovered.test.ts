/**
 * The direct message after a takeover finished an interrupted send or update (pure rendering), and
 * the silence of a process that lost the relay to another before its call went out.
 */
import { describe, expect, it } from 'vitest';
import { TakenOverError } from '../../../src/relay/dispatch.js';
import { INTERRUPTED } from '../../../src/relay/takeover.js';
import type { RelayBatch, RelayRecord } from '../../../src/relay/types.js';
import { renderRecoveryNotice } from '../../../src/slack/jobs/notify-recovered.js';
import { makeBatch, makeRecord } from '../../store/records.js';
import { door, sentRecord } from '../listeners/door-kit.js';

const interrupted: Partial<RelayBatch> = {
  status: 'unknown',
  error: { kind: INTERRUPTED, message: 'may have been delivered' },
};

function shown(record: RelayRecord): { text: string; body: string } {
  const notice = renderRecoveryNotice(record);
  return { text: notice.text, body: JSON.stringify(notice.blocks) };
}

describe('renderRecoveryNotice', () => {
  it('says an interrupted update revoked the old text before the new one may have gone out', () => {
    const record = makeRecord({
      status: 'unknown',
      text: 'Launch at 10',
      batches: [makeBatch(0, interrupted)],
      versions: [
        {
          number: 1,
          text: 'Launch at 9',
          content: 'Launch at 9',
          batches: [makeBatch(0, { status: 'revoked', messageId: 'm1' })],
          sentAt: 1,
          replacedAt: 2,
        },
      ],
    });
    const { text, body } = shown(record);
    expect(body).toContain('sending the new text of your edited message to Fxiaoke');
    expect(body).toContain('version 2');
    expect(body).toContain('*Old text (version 1):* revoked from Fxiaoke before the new text was sent.');
    expect(body).toContain('*May or may not have arrived:* 1 batch');
    expect(text).toContain('the old text (version 1) was revoked first');
  });

  it('names the old copies a second-copy update left in Fxiaoke', () => {
    const record = makeRecord({
      status: 'unknown',
      batches: [makeBatch(0, interrupted)],
      versions: [
        {
          number: 2,
          text: 'old',
          content: 'old',
          batches: [makeBatch(0, { status: 'revoked', messageId: 'm1' }), makeBatch(1, { status: 'sent' })],
          sentAt: 1,
          replacedAt: 2,
        },
      ],
    });
    const { text, body } = shown(record);
    expect(body).toContain(
      '*Old text (version 2):* 1 message of it could not be revoked and stays in Fxiaoke; 1 was revoked.',
    );
    expect(text).toContain('the old text (version 2) is partly still in Fxiaoke');
  });

  it('says nothing of an old text for a first send', () => {
    const { text, body } = shown(makeRecord({ status: 'unknown', batches: [makeBatch(0, interrupted)] }));
    expect(body).toContain('relaying your message to Fxiaoke');
    expect(body).not.toContain('Old text');
    expect(text).not.toContain('old text');
  });
});

describe('a resumed relay another process took over meanwhile', () => {
  it('is answered by that process only: nothing is said here', async () => {
    const pending = sentRecord({ status: 'pending', batches: [makeBatch(0)] });
    const d = door({ resumeSend: async () => Promise.reject(new TakenOverError(pending.id)) });
    d.ctx.jobs.takeOver(pending);
    await d.settled();
    expect(d.relay.calls.map((call) => call.method)).toContain('resumeSend');
    expect(d.callsTo('chat.postEphemeral')).toEqual([]);
    expect(d.callsTo('chat.postMessage')).toEqual([]);
  });
});
