/** /fx-send → Fxiaoke → receipt with traceId → revoke, through signed HTTP requests. */
import { afterEach, describe, expect, it } from 'vitest';
import { generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { CHANNEL_ID, Harness, SENDER_ID, SERVICE_ID } from './harness.js';

const STRANGER_ID = 'U0STRANGER';
const ADMIN_ID = 'U0ADMIN';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function contextText(blocks: unknown): string {
  return JSON.stringify(blocks);
}

async function sendOne(h: Harness, text: string) {
  const before = h.slack.messages.length;
  const { response, responseUrl } = await h.command(text);
  expect(response.status).toBe(200);
  const receipt = await h.receiptAfter(before);
  const record = await h.settledRelayFor(receipt);
  expect(record).toBeDefined();
  return { receipt, record, responseUrl };
}

describe('send and revoke', () => {
  it('sends, posts a receipt with the traceId and a Revoke button, then revokes by shortcut', async () => {
    harness = await Harness.start();
    const [alice, bob] = harness.emulator.options.users;
    const { receipt, record } = await sendOne(
      harness,
      `${alice!.openUserId},${bob!.openUserId} Quote is ready\nsee attached`,
    );

    const sent = harness.emulator.messages;
    expect(sent).toHaveLength(1);
    expect(sent[0]!.toUser).toEqual([alice!.openUserId, bob!.openUserId]);
    expect(sent[0]!.serviceId).toBe(SERVICE_ID);
    expect(sent[0]!.content).toContain('Quote is ready\nsee attached');
    expect(sent[0]!.content).toContain('sender'); // attributed to the Slack sender
    expect(receipt.channel).toBe(CHANNEL_ID);
    expect(receipt.text).toContain(sent[0]!.traceId);
    expect(contextText(receipt.blocks)).toContain('"action_id":"fx_revoke"');
    expect(record.status).toBe('sent');
    expect(record.batches[0]!.messageId).toBe(sent[0]!.messageId);
    expect(record.batches[0]!.traceId).toBe(sent[0]!.traceId);

    const { responseUrl } = await harness.revokeByShortcut(receipt.channel, receipt.ts);
    const [answer] = await harness.responsesTo(responseUrl);
    expect(answer).toContain('Revoked relay');
    expect(harness.emulator.messages[0]!.revoked).toBe(true);
    const revokeTrace = harness.emulator.requestsTo('/cgi/app/message/revoke')[0]!.response as {
      traceId: string;
    };
    expect(answer).toContain(revokeTrace.traceId);
    const updated = await harness.slack.waitFor(() =>
      harness!.slack.message(receipt.channel, receipt.ts)?.updates.at(-1),
    );
    expect(contextText(updated.blocks)).toContain(`Revoked by <@${SENDER_ID}>`);
    expect(contextText(updated.blocks)).not.toContain('fx_revoke');
    expect((await harness.bridge.store.findById(record.id))?.status).toBe('revoked');
  });

  it('revokes by button, and a second revoke answers "already revoked" without calling Fxiaoke', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[0]!;
    const { receipt, record } = await sendOne(harness, `${user.openUserId} hello`);

    const first = await harness.revokeByButton(record.id, receipt.channel, receipt.ts);
    expect((await harness.responsesTo(first.responseUrl))[0]).toContain('Revoked relay');
    const second = await harness.revokeByButton(record.id, receipt.channel, receipt.ts);
    expect((await harness.responsesTo(second.responseUrl))[0]).toContain('already revoked');
    const third = await harness.revokeByShortcut(receipt.channel, receipt.ts);
    expect((await harness.responsesTo(third.responseUrl))[0]).toContain('already revoked');
    expect(harness.emulator.requestsTo('/cgi/app/message/revoke')).toHaveLength(1);
  });

  it("refuses a stranger's revoke and allows an admin's", async () => {
    harness = await Harness.start({ fileConfig: `admins: [${ADMIN_ID}]\n` });
    const user = harness.emulator.options.users[0]!;
    const { receipt } = await sendOne(harness, `${user.openUserId} private`);

    const stranger = await harness.revokeByShortcut(receipt.channel, receipt.ts, STRANGER_ID);
    expect((await harness.responsesTo(stranger.responseUrl))[0]).toContain(`Only <@${SENDER_ID}>`);
    expect(harness.emulator.requestsTo('/cgi/app/message/revoke')).toHaveLength(0);
    expect(harness.emulator.messages[0]!.revoked).toBe(false);

    const admin = await harness.revokeByShortcut(receipt.channel, receipt.ts, ADMIN_ID);
    expect((await harness.responsesTo(admin.responseUrl))[0]).toContain('Revoked relay');
    expect(harness.emulator.messages[0]!.revoked).toBe(true);
  });

  it('revokes after a restart: the SQLite file keeps the link', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[0]!;
    const { receipt } = await sendOne(harness, `${user.openUserId} survive a restart`);
    await harness.restart();
    const { responseUrl } = await harness.revokeByShortcut(receipt.channel, receipt.ts);
    expect((await harness.responsesTo(responseUrl))[0]).toContain('Revoked relay');
    expect(harness.emulator.messages[0]!.revoked).toBe(true);
  });

  it('sends 1,200 recipients in 3 batches and revokes all three', async () => {
    const users = generateUsers(1200);
    harness = await Harness.start({
      emulator: { users },
      fileConfig: `aliases:\n  everyone: [${users.map((u) => u.openUserId).join(', ')}]\n`,
    });
    const { receipt, record } = await sendOne(harness, 'everyone All hands at 10');
    const final = await harness.slack.waitFor(() => {
      const last = harness!.slack.message(receipt.channel, receipt.ts);
      const shown = last?.updates.at(-1)?.blocks ?? last?.blocks;
      return contextText(shown).includes(':white_check_mark: Sent') ? shown : undefined;
    });
    expect(harness.emulator.messages.map((m) => m.toUser.length)).toEqual([500, 500, 200]);
    expect(new Set(harness.emulator.messages.flatMap((m) => m.toUser)).size).toBe(1200);
    for (const message of harness.emulator.messages) expect(contextText(final)).toContain(message.traceId);
    const stored = await harness.bridge.store.findById(record.id);
    expect(stored?.batches.map((b) => b.status)).toEqual(['sent', 'sent', 'sent']);

    const { responseUrl } = await harness.revokeByButton(record.id, receipt.channel, receipt.ts);
    expect((await harness.responsesTo(responseUrl))[0]).toContain('1200 recipients');
    expect(harness.emulator.messages.every((m) => m.revoked)).toBe(true);
    expect((await harness.bridge.store.findById(record.id))?.status).toBe('revoked');
  });

  it('answers the same command delivered twice with one Fxiaoke send', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[0]!;
    const trigger = 'trigger-duplicate-1';
    const first = await harness.command(`${user.openUserId} once only`, { trigger_id: trigger });
    const second = await harness.command(`${user.openUserId} once only`, { trigger_id: trigger });
    expect(first.response.status).toBe(200);
    expect(second.response.status).toBe(200);
    const answers = await harness.slack.waitFor(() => {
      const texts = [first.responseUrl, second.responseUrl].flatMap((url) => harness!.slack.responsesTo(url));
      return texts.length >= 1 && harness!.slack.messages.length >= 1 ? texts : undefined;
    });
    expect(String(answers[0]!.body.text)).toContain('already handled');
    expect(harness.emulator.messages).toHaveLength(1);
    expect(harness.slack.messages).toHaveLength(1);
  });

  it('posts the receipt in a DM when the bot cannot post in the channel', async () => {
    harness = await Harness.start();
    harness.slack.setChannelPostable(CHANNEL_ID, false);
    const user = harness.emulator.options.users[0]!;
    const before = harness.slack.messages.length;
    await harness.command(`${user.openUserId} from a private channel`);
    const receipt = await harness.receiptAfter(before);
    expect(receipt.channel.startsWith('D')).toBe(true);
    const record = await harness.settledRelayFor(receipt);
    expect(record?.originChannelId).toBe(CHANNEL_ID);
  });
});
