/**
 * The Fxiaoke copy follows the Slack message: signed `message` event callbacks through the real
 * Bolt app (HTTP mode), the real emulator on loopback and a real SQLite file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SENDER_ID } from '../../dev/fakes/slack-requests.js';
import { Harness } from './harness.js';
import {
  buttonsOf,
  clickDmButton,
  dmsTo,
  eventCallback,
  messageCalls,
  messageChanged,
  ORIGINAL_TS,
  postEvent,
  relayMessage,
  relayWhen,
} from './sync-requests.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const REVOKE = '/cgi/app/message/revoke';
const SEND = '/cgi/app/message/send';

describe('edits of a relayed message', () => {
  it('ask: the sender is asked with old and new text; Update revokes the old copy, then sends the new text', async () => {
    harness = await Harness.start();
    const h = harness;
    const first = await relayMessage(h, 'Price is 10k');
    const oldMessageId = first.batches[0]?.messageId;
    expect(oldMessageId).toBeDefined();
    const before = messageCalls(h).length;

    const delivered = await postEvent(
      h,
      eventCallback(messageChanged({ text: 'Price is 12k', previousText: 'Price is 10k' })),
    );
    expect(delivered.status).toBe(200);
    const dm = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('edited')),
    );
    const shown = JSON.stringify(dm.body.blocks);
    expect(shown).toContain('Price is 10k');
    expect(shown).toContain('Price is 12k');
    const buttons = buttonsOf(dm.body.blocks);
    expect(buttons.map((button) => button.action_id)).toEqual(['fx_update', 'fx_update_skip']);
    // Asking sends nothing to Fxiaoke.
    expect(messageCalls(h).length).toBe(before);
    await relayWhen(
      h,
      ORIGINAL_TS,
      (record) => record.status === 'sent' && record.sync?.offer?.notifiedAt !== undefined,
    );

    const update = buttons[0]!;
    const responseUrl = await clickDmButton(h, 'fx_update', update.value);
    const [answer] = await h.responsesTo(responseUrl);
    expect(answer).toContain('Updated in Fxiaoke');
    const calls = messageCalls(h).slice(before);
    expect(calls.map((call) => call.path)).toEqual([REVOKE, SEND]);
    expect(calls[0]?.body.messageId).toBe(oldMessageId);
    // Same attribution, same recipients, marked as edited.
    const sent = calls[1]?.body as { text: { content: string }; toUser: string[] };
    expect(sent.text.content).toBe(first.content.replace('Price is 10k', 'Price is 12k (edited)'));
    expect(sent.toUser).toEqual(first.recipients);

    const updated = await relayWhen(
      h,
      ORIGINAL_TS,
      (record) => record.status === 'sent' && !record.updateRequest,
    );
    expect(updated.text).toBe('Price is 12k');
    expect(updated.versions?.map((version) => version.text)).toEqual(['Price is 10k']);
    expect(updated.versions?.[0]?.batches[0]?.status).toBe('revoked');
    expect(updated.batches[0]?.messageId).not.toBe(oldMessageId);
    expect(answer).toContain(updated.batches[0]?.traceId ?? 'missing');

    // A second click on the same button updates nothing more.
    const again = await clickDmButton(h, 'fx_update', update.value);
    const [second] = await h.responsesTo(again);
    expect(second).toContain('already answered');
    expect(messageCalls(h).length).toBe(before + 2);

    // Revoke afterwards takes back the current version.
    const revokeUrl = await clickDmButton(h, 'fx_revoke', updated.id);
    await h.responsesTo(revokeUrl);
    const revokes = messageCalls(h).slice(before + 2);
    expect(revokes.map((call) => call.path)).toEqual([REVOKE]);
    expect(revokes[0]?.body.messageId).toBe(updated.batches[0]?.messageId);
  });
});
