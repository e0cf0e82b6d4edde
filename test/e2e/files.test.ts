/**
 * Files of a relayed message, end to end: the Send to Fxiaoke shortcut on a message with files →
 * modal → download from (fake) Slack with the bot token → /media/upload → text, then articles →
 * the sender's answer → Revoke from Fxiaoke on the original message takes back both.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { BOT_TOKEN, CHANNEL_ID, Harness, TEAM_ID } from './harness.js';
import { type SlackView, shortcutModal, submitModal } from './people-requests.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ORIGINAL_TS = '1700000456.000100';
const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);
const PDF = new TextEncoder().encode('%PDF-1.7\n%âãÏÓ\n');

const shortcutWithFiles = (h: Harness, text: string, files: Record<string, unknown>[]) =>
  shortcutModal(h, { ts: ORIGINAL_TS, text, files });

/** Sends what the window was prefilled with, to the given recipients. */
function submit(h: Harness, view: SlackView, recipients: string[]) {
  const text = view.blocks.find((block) => block.block_id === 'message')?.element?.initial_value ?? '';
  return submitModal(h, view, { recipients, text });
}

/** The sender's private answer (ephemeral), once it came. */
async function answer(h: Harness): Promise<string> {
  const call = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
  return `${String(call.body.text)}\n${JSON.stringify(call.body.blocks)}`;
}

/** The relay keyed by the original message, once it has settled. */
async function settled(h: Harness) {
  const ref = { teamId: TEAM_ID, channelId: CHANNEL_ID, ts: ORIGINAL_TS };
  return vi.waitFor(
    async () => {
      const record = await h.bridge.store.findBySlackMessage(ref);
      if (record && record.status !== 'pending') return record;
      throw new Error('relay never settled');
    },
    { timeout: 10_000, interval: 10 },
  );
}

describe('files of a relayed message', () => {
  it('uploads the image, sends it as articles after the text, lists the PDF, and revokes both messages', async () => {
    harness = await Harness.start();
    const user = harness.emulator.users[0]!;
    const cat = harness.slack.addFile('F0CAT', { name: 'cat.png', mimetype: 'image/png', bytes: PNG });
    const pdf = harness.slack.addFile('F0PDF', {
      name: 'report.pdf',
      mimetype: 'application/pdf',
      bytes: PDF,
    });

    const view = await shortcutWithFiles(harness, 'Site visit photos', [cat, pdf]);
    expect(JSON.stringify(view.blocks)).toContain('2 files: cat.png, report.pdf');
    expect((await submit(harness, view, [user.openUserId])).status).toBe(200);
    const said = await answer(harness);

    // Downloaded from Slack with the bot token; the PDF was never fetched.
    expect(harness.slack.fileDownloads).toEqual([
      { id: 'F0CAT', authorization: `Bearer ${BOT_TOKEN}`, at: expect.any(Number) },
    ]);
    // One upload, exactly these bytes.
    expect(harness.emulator.media).toHaveLength(1);
    expect([...harness.emulator.media[0]!.bytes]).toEqual([...PNG]);
    expect(harness.emulator.media[0]).toMatchObject({
      type: 'image',
      fileName: 'cat.png',
      contentType: 'image/png',
    });
    // The text first, then the articles with the uploaded image.
    const [text, articles] = harness.emulator.messages;
    expect(harness.emulator.messages).toHaveLength(2);
    expect(text?.msgType).toBe('text');
    expect(text?.content).toContain('Site visit photos');
    expect(text?.content).toContain('[Files in Slack, not forwarded: report.pdf]');
    expect(articles?.msgType).toBe('articles');
    expect(articles?.toUser).toEqual([user.openUserId]);
    expect(articles?.body).toMatchObject({
      articles: [{ title: 'cat.png', coverImage: harness.emulator.media[0]!.mediaId, type: 'TEXT' }],
    });
    const sendPaths = harness.emulator.requests.map((request) => request.path);
    expect(sendPaths.indexOf('/media/upload')).toBeLessThan(sendPaths.indexOf('/cgi/app/message/send'));

    // The sender is told exactly what went and what did not.
    expect(said).toContain('1 of 1 image forwarded');
    expect(said).toContain('`cat.png`');
    expect(said).toContain('`report.pdf` is not an image and was listed by name');
    expect(said).toContain(articles!.traceId);

    const record = await settled(harness);
    expect(record.batches[0]?.extraMessages?.[0]).toMatchObject({
      status: 'sent',
      messageId: articles!.messageId,
      traceId: articles!.traceId,
    });

    const { responseUrl } = await harness.revokeByShortcut(CHANNEL_ID, ORIGINAL_TS);
    const [revoked] = await harness.responsesTo(responseUrl);
    expect(revoked).toContain('Revoked relay');
    expect(revoked).toContain('the text and 1 image message');
    expect(harness.emulator.messages.map((message) => message.revoked)).toEqual([true, true]);
    expect(harness.emulator.requestsTo('/cgi/app/message/revoke')).toHaveLength(2);
  });

  it("does not forward Slack's sign-in page served in place of an image, and says so", async () => {
    harness = await Harness.start();
    const user = harness.emulator.users[0]!;
    const locked = harness.slack.addFile('F0LOCK', {
      name: 'photo.png',
      mimetype: 'image/png',
      html: '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in</body></html>',
    });
    const view = await shortcutWithFiles(harness, 'Look at this', [locked]);
    await submit(harness, view, [user.openUserId]);
    const said = await answer(harness);

    expect(harness.slack.fileDownloads).toHaveLength(1);
    expect(harness.emulator.media).toHaveLength(0);
    expect(harness.emulator.requestsTo('/media/upload')).toHaveLength(0);
    expect(harness.emulator.messages.map((message) => message.msgType)).toEqual(['text']);
    expect(harness.emulator.messages[0]?.content).toContain('[Files in Slack, not forwarded: photo.png]');
    expect(said).toContain('0 of 1 image forwarded');
    expect(said).toContain('`photo.png` was not forwarded: Slack sent a web page (its sign-in page)');
    expect(said).toContain('files:read');
    expect((await settled(harness)).status).toBe('sent');
  });

  it('sends an image to 1,200 recipients as 3 texts and 3 articles after one upload', async () => {
    const users = generateUsers(1200);
    harness = await Harness.start({
      emulator: { users },
      fileConfig: `aliases:\n  everyone: [${users.map((u) => u.openUserId).join(', ')}]\n`,
    });
    const cat = harness.slack.addFile('F0CAT', { name: 'cat.png', mimetype: 'image/png', bytes: PNG });
    const view = await shortcutWithFiles(harness, 'All hands', [cat]);
    await submit(harness, view, ['everyone']);
    const said = await answer(harness);

    expect(harness.emulator.requestsTo('/media/upload')).toHaveLength(1);
    expect(harness.emulator.messages.map((message) => [message.msgType, message.toUser.length])).toEqual([
      ['text', 500],
      ['articles', 500],
      ['text', 500],
      ['articles', 500],
      ['text', 200],
      ['articles', 200],
    ]);
    expect(said).toContain('1 of 1 image forwarded');
    const record = await settled(harness);
    expect(record.batches.map((batch) => batch.extraMessages?.[0]?.status)).toEqual(['sent', 'sent', 'sent']);
  });
});
