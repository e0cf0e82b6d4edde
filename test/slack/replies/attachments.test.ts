import { describe, expect, it } from 'vitest';
import type { RelayBatch, RelayExtraMessage, RelayRecord } from '../../../src/relay/types.js';
import { renderReceipt } from '../../../src/slack/receipt/view.js';
import { attachmentLines, attachmentSummary } from '../../../src/slack/replies/attachments.js';
import { makeBatch, makeRecord } from '../../store/records.js';

function articles(attachments: number[], overrides: Partial<RelayExtraMessage> = {}): RelayExtraMessage {
  return { kind: 'articles', attachments, status: 'sent', thirdTraceId: 't', traceId: 'E-ART', ...overrides };
}

function sent(index: number, extraMessages: RelayExtraMessage[]): RelayBatch {
  return {
    ...makeBatch(index, { status: 'sent', messageId: `m${index}`, traceId: `E-${index}` }),
    extraMessages,
  };
}

const FILES: RelayRecord['attachments'] = [
  { name: 'cat.png', status: 'uploaded', mediaId: 'm1' },
  { name: 'dog.jpg', status: 'uploaded', mediaId: 'm2' },
  { name: 'report.pdf', status: 'listed', reason: 'is not an image' },
  {
    name: 'photo.png',
    status: 'failed',
    reason:
      'Slack sent a web page (its sign-in page) instead of the image; the app may lack the files:read scope',
  },
];

describe('attachmentLines', () => {
  it('says how many images were forwarded and why each other file was not', () => {
    const record = makeRecord({ status: 'sent', attachments: FILES, batches: [sent(0, [articles([0, 1])])] });
    expect(attachmentLines(record)).toEqual([
      ':frame_with_picture: 2 of 3 images forwarded (`cat.png`, `dog.jpg`) · traceId `E-ART`',
      '• `report.pdf` is not an image and was listed by name.',
      '• `photo.png` was not forwarded: Slack sent a web page (its sign-in page) instead of the image; the app may lack the files:read scope. It was listed by name.',
    ]);
    expect(attachmentSummary(record)).toMatch(
      /^2 of 3 images forwarded \(`cat.png`, `dog.jpg`\) · traceId `E-ART`; `report.pdf` is not an image and was listed by name; `photo.png` was not forwarded: .* It was listed by name\.$/,
    );
  });

  it("names the batches an articles message did not reach, with Fxiaoke's answer", () => {
    const error = { kind: 'quota', code: 30002, message: 'Quota used up.', traceId: 'E-Q' };
    const record = makeRecord({
      status: 'sent',
      attachments: [FILES[0]!],
      batches: [
        sent(0, [articles([0])]),
        sent(1, [articles([0], { status: 'failed', error, traceId: undefined })]),
      ],
    });
    const lines = attachmentLines(record) ?? [];
    expect(lines[0]).toContain('1 of 1 image forwarded');
    expect(lines.at(-1)).toBe(
      '• The images did not reach 1 of 2 batches (2 recipients): Quota used up. (errorCode 30002, traceId `E-Q`)',
    );
  });

  it('counts nothing as forwarded while the images are still going out', () => {
    const pending = makeRecord({
      status: 'pending',
      attachments: [FILES[0]!],
      batches: [sent(0, [articles([0], { status: 'pending' })])],
    });
    expect(attachmentLines(pending)).toEqual([':frame_with_picture: Images being sent after the text…']);
    expect(attachmentLines(makeRecord({ batches: [] }))).toBeUndefined();
  });

  it('puts the lines in the receipt and its notification text', () => {
    const record = makeRecord({ status: 'sent', attachments: FILES, batches: [sent(0, [articles([0, 1])])] });
    const receipt = renderReceipt(record);
    expect(JSON.stringify(receipt.blocks)).toContain('2 of 3 images forwarded');
    expect(receipt.text).toContain('2 of 3 images forwarded');
  });
});
