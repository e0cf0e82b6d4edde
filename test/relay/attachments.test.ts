/** Files of a relayed message: images uploaded once and sent as articles after each batch's text. */
import { describe, expect, it } from 'vitest';
import { articleTitle, notForwardedNote } from '../../src/relay/attachments.js';
import { sendRelay } from '../../src/relay/carry-out.js';
import { confirmHeldRelay } from '../../src/relay/held.js';
import { claimLease } from '../../src/relay/lease.js';
import { resumePending } from '../../src/relay/takeover.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { CAT, DOG, FakeFiles, fileRequest, LOCKED, PNG, REPORT, standardFiles } from './fake-files.js';
import { fxError } from './fake-fxiaoke.js';
import { ALICE, FakePeople, GONE, slackProfiles } from './fake-people.js';
import { testRelay } from './relay-deps.js';

function finished(outcome: Awaited<ReturnType<typeof sendRelay>>): RelayRecord {
  if (outcome.type !== 'finished') throw new Error(`expected a finished relay, got ${outcome.type}`);
  return outcome.record;
}

function employees(count: number): string[] {
  return Array.from({ length: count }, (_, index) => String(1001 + index));
}

/** A scripted step that notes the call in `order` and answers as by default. */
function noting(order: string[], what: string): () => object {
  return () => {
    order.push(what);
    return {};
  };
}

function withFiles(files = standardFiles()) {
  const relay = testRelay();
  relay.deps.files = files;
  return { ...relay, files };
}

describe('sendRelay with files', () => {
  it('uploads the image, names the other files in the text, and sends the articles after the text', async () => {
    const { deps, fake, files } = withFiles();
    const order: string[] = [];
    fake.scriptSend(noting(order, 'text'));
    fake.scriptArticles(noting(order, 'articles'));
    fake.scriptUpload(noting(order, 'upload'));

    const record = finished(await sendRelay(deps, fileRequest({ attachments: [CAT, REPORT, LOCKED] })));

    expect(order).toEqual(['upload', 'text', 'articles']);
    // The PDF is never downloaded: Slack says what it is. The login page is downloaded and caught.
    expect(files.fetched.map((ref) => ref.url)).toEqual(['u:cat', 'u:locked']);
    expect(fake.uploads).toHaveLength(1);
    expect(fake.uploads[0]).toMatchObject({ fileName: 'cat.png', contentType: 'image/png' });
    expect([...(fake.uploads[0]?.bytes ?? [])]).toEqual([...PNG]);
    expect(fake.sends[0]?.content).toBe(
      'bob (via Slack #general):\nPhotos from the site visit\n\n[Files in Slack, not forwarded: report.pdf, photo.png]',
    );
    expect(fake.articleSends[0]).toMatchObject({
      toUser: ['FSUID_A1'],
      articles: [{ title: 'cat.png', coverImage: 'media-1', type: 'TEXT', content: fake.sends[0]?.content }],
    });
    expect(record.status).toBe('sent');
    expect(record.content).toBe(fake.sends[0]?.content);
    expect(record.attachments).toEqual([
      { ...CAT, status: 'uploaded', mediaId: 'media-1', uploadTraceId: 'trace-upload-1' },
      { ...REPORT, status: 'listed', reason: 'is not an image' },
      {
        ...LOCKED,
        status: 'failed',
        reason: expect.stringMatching(/sign-in page.*files:read/),
      },
    ]);
    expect(record.batches[0]?.extraMessages).toEqual([
      {
        kind: 'articles',
        attachments: [0],
        status: 'sent',
        thirdTraceId: fake.articleSends[0]?.thirdTraceId,
        traceId: 'trace-articles-1',
        messageId: 'art-1',
        dispatchedAt: expect.any(Number),
        sentAt: expect.any(Number),
      },
    ]);
  });

  it('writes the record before any download or upload, and every text id before its images go out', async () => {
    const { deps, fake, store, files } = withFiles();
    let atUpload: RelayRecord | undefined;
    let atArticles: RelayRecord | undefined;
    const key = fileRequest().requestKey;
    fake.scriptUpload(async () => {
      atUpload = await store.findByRequestKey(key);
      return {};
    });
    fake.scriptArticles(async () => {
      atArticles = await store.findByRequestKey(key);
      return {};
    });
    await sendRelay(deps, fileRequest());
    expect(files.fetched).toHaveLength(1);
    expect(atUpload?.status).toBe('pending');
    expect(atUpload?.attachments?.[0]?.status).toBe('pending');
    expect(atArticles?.batches[0]).toMatchObject({ status: 'sent', messageId: 'msg-1' });
    expect(atArticles?.batches[0]?.extraMessages?.[0]).toMatchObject({
      status: 'pending',
      thirdTraceId: fake.articleSends[0]?.thirdTraceId,
    });
  });

  it('uploads each image once for 1,200 recipients: 3 texts, 3 articles, interleaved', async () => {
    const { deps, fake } = withFiles();
    const order: string[] = [];
    const log = (what: string) => noting(order, what);
    fake.scriptSend(log('text'), log('text'), log('text'));
    fake.scriptArticles(log('articles'), log('articles'), log('articles'));
    const record = finished(
      await sendRelay(deps, fileRequest({ recipientsInput: employees(1200), attachments: [CAT, DOG] })),
    );
    expect(fake.uploads).toHaveLength(2);
    expect(fake.sends.map((call) => call.toUser.length)).toEqual([500, 500, 200]);
    expect(fake.articleSends.map((call) => call.toUser)).toEqual(fake.sends.map((call) => call.toUser));
    expect(
      fake.articleSends.every((call) => call.articles.map((a) => a.coverImage).join() === 'media-1,media-2'),
    ).toBe(true);
    expect(order).toEqual(['text', 'articles', 'text', 'articles', 'text', 'articles']);
    expect(record.batches.flatMap((batch) => batch.extraMessages?.map((m) => m.messageId))).toEqual([
      'art-1',
      'art-2',
      'art-3',
    ]);
  });

  it('sends more than 7 images as several articles messages (7 per message)', async () => {
    const many = Array.from({ length: 9 }, (_, i) => ({ ...CAT, fileId: `F${i}`, name: `img${i}.png` }));
    const { deps, fake } = withFiles();
    const record = finished(await sendRelay(deps, fileRequest({ attachments: many })));
    expect(fake.uploads).toHaveLength(9);
    expect(fake.articleSends.map((call) => call.articles.length)).toEqual([7, 2]);
    expect(record.batches[0]?.extraMessages?.map((message) => message.attachments)).toEqual([
      [0, 1, 2, 3, 4, 5, 6],
      [7, 8],
    ]);
  });

  it('still sends the text when the upload fails, naming the image, and sends no articles', async () => {
    const { deps, fake } = withFiles();
    fake.scriptUpload(fxError({ errorCode: 20014, traceId: 'E-UP' }));
    const record = finished(await sendRelay(deps, fileRequest()));
    expect(record.status).toBe('sent');
    expect(fake.sends[0]?.content).toContain('[Files in Slack, not forwarded: cat.png]');
    expect(fake.articleSends).toHaveLength(0);
    expect(record.attachments?.[0]).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('Fxiaoke did not take the upload'),
      error: { code: 20014, traceId: 'E-UP' },
    });
    expect(record.batches[0]?.extraMessages).toBeUndefined();
  });

  it('records a failed articles message without failing the text, and stops the later ones', async () => {
    const { deps, fake } = withFiles();
    fake.scriptArticles(fxError({ errorCode: 30002, traceId: 'E-QUOTA' }));
    const record = finished(await sendRelay(deps, fileRequest({ recipientsInput: employees(600) })));
    expect(record.status).toBe('sent');
    expect(record.error).toBeUndefined();
    expect(fake.sends).toHaveLength(2);
    expect(fake.articleSends).toHaveLength(1);
    const extras = record.batches.map((batch) => batch.extraMessages?.[0]);
    expect(extras[0]).toMatchObject({ status: 'failed', error: { code: 30002, traceId: 'E-QUOTA' } });
    expect(extras[1]).toMatchObject({ status: 'failed', error: { kind: 'not_attempted', code: 30002 } });
  });

  it('skips the images of a batch whose text failed, and sends the others', async () => {
    const { deps, fake } = withFiles();
    fake.scriptSend(fxError({ errorCode: 20012 }));
    const record = finished(await sendRelay(deps, fileRequest({ recipientsInput: employees(600) })));
    expect(record.status).toBe('partial');
    expect(fake.articleSends.map((call) => call.toUser.length)).toEqual([100]);
    expect(record.batches[0]?.extraMessages?.[0]).toMatchObject({
      status: 'failed',
      error: { kind: 'not_attempted' },
    });
    expect(record.batches[1]?.extraMessages?.[0]?.status).toBe('sent');
  });

  it('marks an articles message whose answer never came as unknown', async () => {
    const { deps, fake } = withFiles();
    fake.scriptArticles(fxError({ kind: 'transport', mayHaveBeenDelivered: true }));
    const record = finished(await sendRelay(deps, fileRequest()));
    expect(record.status).toBe('sent');
    expect(record.batches[0]?.extraMessages?.[0]?.status).toBe('unknown');
  });

  it('names images it cannot download: no downloader, a failed or throwing download, no link', async () => {
    const relay = testRelay();
    const bare = finished(await sendRelay(relay.deps, fileRequest()));
    expect(bare.attachments?.[0]).toMatchObject({
      status: 'failed',
      reason: 'this fx-bridge cannot download files',
    });

    const files = new FakeFiles({ 'u:dog': new Error('boom') });
    const { deps, fake } = withFiles(files);
    const noLink = { name: 'gone.png', mimetype: 'image/png' };
    const record = finished(await sendRelay(deps, fileRequest({ attachments: [CAT, DOG, noLink] })));
    expect(record.attachments?.map((a) => [a.status, a.reason])).toEqual([
      ['failed', 'the download failed: Slack answered HTTP 404'],
      ['failed', 'the download failed: an unexpected error (see the logs)'],
      ['failed', expect.stringContaining('no download link')],
    ]);
    expect(fake.uploads).toHaveLength(0);
    expect(fake.sends[0]?.content).toContain('not forwarded: cat.png, dog.jpg, gone.png]');
  });

  it('keeps the files of a held relay and forwards them when the sender confirms', async () => {
    const relay = testRelay();
    relay.deps.files = standardFiles();
    const deps = { ...relay.deps, people: new FakePeople([ALICE, GONE]), profiles: slackProfiles() };
    const hooks = {};
    const held = await sendRelay(
      deps,
      fileRequest({ recipientsInput: ['<@U0BYMAIL>', '<@U0STRANGER|carol>'] }),
      hooks,
    );
    if (held.type !== 'held') throw new Error(`expected held, got ${held.type}`);
    expect(held.record.attachments?.[0]?.status).toBe('pending');
    expect(relay.fake.uploads).toHaveLength(0);
    const confirmed = await confirmHeldRelay(deps, held.record.id, 'U0SENDER', hooks);
    if (confirmed.type !== 'finished') throw new Error(`expected finished, got ${confirmed.type}`);
    expect(relay.fake.uploads).toHaveLength(1);
    expect(relay.fake.articleSends[0]?.toUser).toEqual([ALICE.openUserId]);
    expect(confirmed.record.attachments?.[0]?.status).toBe('uploaded');
  });
});

describe('recovery', () => {
  it('turns dispatched image messages left pending by a crash into unknown', async () => {
    const { deps, store } = withFiles();
    const batch = makeBatch(0, { status: 'sent', messageId: 'msg-1' });
    const record = makeRecord({
      status: 'pending',
      lease: { owner: 'fxb_dead', until: 0 },
      attachments: [{ ...CAT, status: 'uploaded', mediaId: 'media-1' }],
      batches: [
        {
          ...batch,
          extraMessages: [
            { kind: 'articles', attachments: [0], status: 'pending', thirdTraceId: 't', dispatchedAt: 1 },
          ],
        },
      ],
    });
    await store.create(record);
    // Claimed first, as every takeover does: only the lease holder's writes land (lease.ts).
    const mine = await claimLease(deps, record);
    const { record: recovered } = await resumePending(deps, mine!, {});
    expect(recovered?.status).toBe('sent');
    expect(recovered?.batches[0]?.status).toBe('sent');
    expect(recovered?.batches[0]?.extraMessages?.[0]).toMatchObject({
      status: 'unknown',
      error: { kind: 'interrupted', message: expect.stringContaining('this image message') },
    });
  });
});

describe('what the recipients read', () => {
  it('clips article titles to 45 characters, by characters', () => {
    expect(articleTitle('a'.repeat(45))).toBe('a'.repeat(45));
    expect([...articleTitle('图'.repeat(60))]).toHaveLength(45);
    expect(articleTitle('图'.repeat(60)).endsWith('…')).toBe(true);
    expect(articleTitle('  ')).toBe('Image');
  });

  it('names only files that were not forwarded, and keeps the note short', () => {
    expect(notForwardedNote([{ name: 'a.png', status: 'uploaded' }])).toBe('');
    const many = Array.from({ length: 40 }, (_, i) => ({
      name: `a-very-long-file-name-number-${i}.docx`,
      status: 'listed' as const,
    }));
    const note = notForwardedNote(many);
    expect(note.length).toBeLessThan(460);
    expect(note.endsWith('…]')).toBe(true);
  });
});
