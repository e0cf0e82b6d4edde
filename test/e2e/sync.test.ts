/**
 * The Fxiaoke copy follows the Slack message: signed `message` event callbacks through the real
 * Bolt app (HTTP mode), the real emulator on loopback and a real SQLite file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  blockActionPayload,
  SENDER_ID,
  sendInteraction,
  TEST_SIGNING_SECRET,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import { Harness } from './harness.js';
import { openHome, publishedHome, shortcutModal, viewText } from './people-requests.js';
import {
  buttonsOf,
  clickDmButton,
  dmsTo,
  eventCallback,
  messageCalls,
  messageChanged,
  messageDeleted,
  ORIGINAL_TS,
  postEvent,
  relayMessage,
  relayWhen,
  tombstoned,
} from './sync-requests.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const REVOKE = '/cgi/app/message/revoke';
const SEND = '/cgi/app/message/send';
/** Each edit acted on at once (no quiet period): what these tests look at is what follows. */
const AT_ONCE = 'sync:\n  quietMs: 0\n';

describe('edits of a relayed message', () => {
  it('ask: the sender is asked with old and new text; Update revokes the old copy, then sends the new text', async () => {
    harness = await Harness.start({ fileConfig: AT_ONCE });
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

    // The App Home lists the versions and the current state.
    await openHome(h, SENDER_ID);
    const home = await h.slack.waitFor(() => publishedHome(h, SENDER_ID));
    const homeText = JSON.stringify(home.blocks);
    expect(homeText).toContain('Updated: version 2');
    expect(homeText).toContain('v1 ');
    expect(homeText).toContain('taken back');
    expect(homeText).toContain(first.batches[0]?.traceId ?? 'missing');

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

describe('auto updates, retries and whose edits count', () => {
  it('auto: an edit updates at once and tells the sender; the same event delivered again updates nothing', async () => {
    harness = await Harness.start({ fileConfig: 'sync:\n  edits: auto\n  quietMs: 0\n' });
    const h = harness;
    await relayMessage(h, 'Meeting at 10');
    const before = messageCalls(h).length;
    const edit = eventCallback(messageChanged({ text: 'Meeting at 11', previousText: 'Meeting at 10' }));
    // Slack redelivers when the first delivery seems slow: both arrive while the first is at work.
    const [first, retry] = await Promise.all([postEvent(h, edit), postEvent(h, edit, 1)]);
    expect([first.status, retry.status]).toEqual([200, 200]);
    const told = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('Updated in Fxiaoke')),
    );
    expect(String(told.body.text)).toContain('version 2');
    await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent' && !record.updateRequest);
    // A retry after the update finished, and one after a restart, find the event recorded.
    expect((await postEvent(h, edit, 2)).status).toBe(200);
    await h.restart();
    expect((await postEvent(h, edit, 3)).status).toBe(200);
    // A newer edit is the positive signal: it is acted on, so the retries before it were judged.
    const newer = eventCallback(messageChanged({ text: 'Meeting at 12', previousText: 'Meeting at 11' }));
    expect((await postEvent(h, newer)).status).toBe(200);
    const final = await relayWhen(
      h,
      ORIGINAL_TS,
      (record) => record.text === 'Meeting at 12' && record.status === 'sent' && !record.updateRequest,
    );
    expect(
      messageCalls(h)
        .slice(before)
        .map((call) => call.path),
    ).toEqual([REVOKE, SEND, REVOKE, SEND]);
    expect(final.versions?.map((version) => version.text)).toEqual(['Meeting at 10', 'Meeting at 11']);
    const updatedDms = () => dmsTo(h).filter((call) => String(call.body.text).includes('Updated in Fxiaoke'));
    await h.slack.waitFor(() => updatedDms().length >= 2);
    expect(updatedDms()).toHaveLength(2);
  });

  it('ask: after Leave it, a redelivered edit event asks nothing again, also after a restart', async () => {
    harness = await Harness.start({ fileConfig: AT_ONCE });
    const h = harness;
    await relayMessage(h, 'Draft one');
    const edit = eventCallback(messageChanged({ text: 'Draft two', previousText: 'Draft one' }));
    await postEvent(h, edit);
    const dm = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('edited')),
    );
    await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');
    const skip = buttonsOf(dm.body.blocks).find((button) => button.action_id === 'fx_update_skip')!;
    const [left] = await h.responsesTo(await clickDmButton(h, 'fx_update_skip', skip.value));
    expect(left).toContain('Left as it was');
    await postEvent(h, edit, 1);
    await h.restart();
    await postEvent(h, edit, 2);
    const newer = eventCallback(messageChanged({ text: 'Draft three', previousText: 'Draft two' }));
    await postEvent(h, newer);
    await h.slack.waitFor(() =>
      dmsTo(h).find((call) => JSON.stringify(call.body.blocks).includes('Draft three')),
    );
    expect(dmsTo(h).filter((call) => String(call.body.text).includes('edited'))).toHaveLength(2);
    expect(messageCalls(h).filter((call) => call.path === REVOKE)).toHaveLength(0);
  });

  it("ignores another user's edit, a bot's edit and an edit that leaves the text as it was", async () => {
    harness = await Harness.start({ fileConfig: 'sync:\n  edits: auto\n  quietMs: 0\n' });
    const h = harness;
    await relayMessage(h, 'Original');
    const before = messageCalls(h).length;
    await postEvent(
      h,
      eventCallback(messageChanged({ text: 'Hijacked', previousText: 'Original', editorId: 'U0OTHER' })),
    );
    await postEvent(
      h,
      eventCallback(messageChanged({ text: 'By someone else', previousText: 'Original', userId: 'U0OTHER' })),
    );
    await postEvent(
      h,
      eventCallback(messageChanged({ text: 'Bot says', previousText: 'Original', botId: 'B0BOT' })),
    );
    await postEvent(h, eventCallback(messageChanged({ text: 'Original', previousText: 'Original' })));
    // The positive signal: the sender's own edit, delivered after the others, is acted on.
    await postEvent(h, eventCallback(messageChanged({ text: 'Fixed typo', previousText: 'Original' })));
    const final = await relayWhen(
      h,
      ORIGINAL_TS,
      (record) => record.text === 'Fixed typo' && record.status === 'sent' && !record.updateRequest,
    );
    expect(final.versions?.map((version) => version.text)).toEqual(['Original']);
    expect(
      messageCalls(h)
        .slice(before)
        .map((call) => call.path),
    ).toEqual([REVOKE, SEND]);
    const updatedDms = () => dmsTo(h).filter((call) => String(call.body.text).includes('Updated'));
    await h.slack.waitFor(() => updatedDms().length >= 1);
    expect(updatedDms()).toHaveLength(1);
    expect(String(updatedDms()[0]?.body.text)).toContain('version 2');
  });
});

describe('without a service account', () => {
  it('asks before sending a second copy, sends it only after that, and says the old copy stays', async () => {
    harness = await Harness.start({
      env: { FXIAOKE_SERVICE_ID: undefined },
      fileConfig: 'sync:\n  edits: auto\n  quietMs: 0\n',
    });
    const h = harness;
    await relayMessage(h, 'Version A');
    const before = messageCalls(h).length;
    await postEvent(h, eventCallback(messageChanged({ text: 'Version B', previousText: 'Version A' })));
    // auto cannot take the old copy back: the sender is asked instead.
    const dm = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('edited')),
    );
    expect(JSON.stringify(dm.body.blocks)).toContain('the old one stays in Fxiaoke');
    const buttons = buttonsOf(dm.body.blocks);
    expect(buttons[0]?.text.text).toBe('Send the new text as a second copy');
    expect(buttons[0]?.action_id).toBe('fx_update');
    expect(messageCalls(h).length).toBe(before);
    await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');

    const [answer] = await h.responsesTo(await clickDmButton(h, 'fx_update', buttons[0]!.value));
    expect(answer).toContain('Updated in Fxiaoke');
    expect(answer).toContain('The old copy stays in Fxiaoke');
    const calls = messageCalls(h).slice(before);
    expect(calls.map((call) => call.path)).toEqual(['/cgi/message/send']);
    expect(JSON.stringify(calls[0]?.body)).toContain('Version B (edited)');
  });

  it('an Update button without the second-copy agreement sends nothing and asks', async () => {
    harness = await Harness.start({ env: { FXIAOKE_SERVICE_ID: undefined }, fileConfig: AT_ONCE });
    const h = harness;
    await relayMessage(h, 'Version A');
    const before = messageCalls(h).length;
    await postEvent(h, eventCallback(messageChanged({ text: 'Version B', previousText: 'Version A' })));
    const dm = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('edited')),
    );
    const record = await relayWhen(h, ORIGINAL_TS, (each) => each.status === 'sent');
    const offerId = record.sync?.offer?.id ?? 'missing';
    expect(JSON.stringify(dm.body.blocks)).toContain(offerId);
    // An old-style value (no second-copy flag), as a plain Update would carry.
    const url = await clickDmButton(h, 'fx_update', `${record.id}|${offerId}`);
    const [answer] = await h.responsesTo(url);
    expect(answer).toContain('Nothing new was sent');
    expect(answer).toContain('old copy stays in Fxiaoke');
    expect(messageCalls(h).length).toBe(before);
  });
});

describe('deletes of a relayed message', () => {
  it('a copy that cannot be revoked: the sender is told once that it stays, with no buttons (auto too)', async () => {
    harness = await Harness.start({
      env: { FXIAOKE_SERVICE_ID: undefined },
      fileConfig: 'sync:\n  deletes: auto\n  quietMs: 0\n',
    });
    const h = harness;
    await relayMessage(h, 'Cannot be taken back');
    const before = messageCalls(h).length;
    await postEvent(h, eventCallback(tombstoned()));
    const told = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('was deleted')),
    );
    expect(String(told.body.text)).toContain('Its copy stays in Fxiaoke: fx-bridge cannot take it back');
    expect(String(told.body.text)).toContain('FXIAOKE_SERVICE_ID');
    expect(buttonsOf(told.body.blocks)).toEqual([]);
    const record = await relayWhen(h, ORIGINAL_TS, (each) => each.status === 'sent');
    expect(record.sync?.deletedAt).toBeDefined();
    // The delete that follows the tombstone (its thread replies gone), and a retry of it: told once.
    const deleted = eventCallback(messageDeleted());
    expect((await postEvent(h, deleted)).status).toBe(200);
    expect((await postEvent(h, deleted, 1)).status).toBe(200);
    // A deleted message is not edited any more: an edit event still in flight changes nothing.
    await postEvent(
      h,
      eventCallback(messageChanged({ text: 'After', previousText: 'Cannot be taken back' })),
    );
    await h.bridge.slack.jobs.idle();
    expect(dmsTo(h).filter((call) => String(call.body.text).includes('edited'))).toHaveLength(0);
    expect(dmsTo(h).filter((call) => String(call.body.text).includes('was deleted'))).toHaveLength(1);
    expect(messageCalls(h).length).toBe(before);
  });

  it('auto: a delete revokes the Fxiaoke copy and tells the sender; the App Home says why', async () => {
    harness = await Harness.start({ fileConfig: 'sync:\n  deletes: auto\n  quietMs: 0\n' });
    const h = harness;
    const relay = await relayMessage(h, 'Oops, wrong channel');
    const before = messageCalls(h).length;
    const deleted = eventCallback(messageDeleted());
    expect((await postEvent(h, deleted)).status).toBe(200);
    const told = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('was deleted')),
    );
    expect(String(told.body.text)).toContain('revoked');
    const revoked = await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'revoked');
    expect(revoked.sync?.deletedAt).toBeDefined();
    expect(messageCalls(h).slice(before)).toEqual([
      { path: REVOKE, body: expect.objectContaining({ messageId: relay.batches[0]?.messageId }) },
    ]);
    // Redelivered: already revoked, nothing more is called and nobody is told again.
    await postEvent(h, deleted, 1);
    await openHome(h, SENDER_ID);
    const home = await h.slack.waitFor(() => publishedHome(h, SENDER_ID));
    expect(JSON.stringify(home.blocks)).toContain('Revoked after its Slack message was deleted');
    expect(messageCalls(h).length).toBe(before + 1);
    expect(dmsTo(h).filter((call) => String(call.body.text).includes('was deleted'))).toHaveLength(1);
  });

  it('ask: a deleted thread parent (tombstone) offers Revoke from Fxiaoke and Keep; Keep keeps it', async () => {
    harness = await Harness.start({ fileConfig: AT_ONCE });
    const h = harness;
    await relayMessage(h, 'Thread starter');
    const before = messageCalls(h).length;
    await postEvent(h, eventCallback(tombstoned()));
    const dm = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('was deleted')),
    );
    const buttons = buttonsOf(dm.body.blocks);
    expect(buttons.map((button) => [button.action_id, button.text.text])).toEqual([
      ['fx_revoke', 'Revoke from Fxiaoke'],
      ['fx_keep', 'Keep'],
    ]);
    await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');
    const [kept] = await h.responsesTo(await clickDmButton(h, 'fx_keep', buttons[1]!.value));
    expect(kept).toContain('Kept');
    // Revoke from the same question still works afterwards.
    const [revoked] = await h.responsesTo(await clickDmButton(h, 'fx_revoke', buttons[0]!.value));
    expect(revoked).toContain('Revoked');
    expect(
      messageCalls(h)
        .slice(before)
        .map((call) => call.path),
    ).toEqual([REVOKE]);
  });
});

describe('manual update from the compose window', () => {
  it('offers "Update the copy in Fxiaoke" for a message changed since; the click updates it', async () => {
    harness = await Harness.start({ fileConfig: 'sync:\n  edits: off\n' });
    const h = harness;
    const relay = await relayMessage(h, 'Agenda: budget');
    const before = messageCalls(h).length;
    // Unchanged since: it says it was already sent, and offers no update.
    const unchanged = await shortcutModal(h, { ts: ORIGINAL_TS, text: 'Agenda: budget', user: SENDER_ID });
    expect(viewText(unchanged)).toContain('already sent to Fxiaoke');
    expect(viewText(unchanged)).not.toContain('Update the copy');
    // Edited in Slack after the relay (sync.edits is off, so only this window can update it).
    const edited = { user: SENDER_ID, ts: `${Math.floor(Date.now() / 1000) + 5}.000000` };
    const view = await shortcutModal(h, {
      ts: ORIGINAL_TS,
      text: 'Agenda: budget, hiring',
      user: SENDER_ID,
      edited,
    });
    const update = buttonsOf(view.blocks).find((button) => button.action_id === 'fx_update');
    expect(update?.text.text).toBe(
      'Update the copy in Fxiaoke (sent to 1 person on ' +
        new Date(relay.createdAt).toISOString().slice(0, 10) +
        ')',
    );
    expect(viewText(view)).toContain('already sent to Fxiaoke');

    const payload = blockActionPayload({
      actionId: 'fx_update',
      value: update!.value,
      messageTs: '0',
      responseUrl: '',
    });
    delete payload.response_url;
    delete payload.message;
    payload.container = { type: 'view', view_id: 'V0COMPOSE' };
    payload.view = {
      id: 'V0COMPOSE',
      type: 'modal',
      blocks: [],
      private_metadata: view.private_metadata,
      callback_id: 'fx_send_modal',
      state: { values: {} },
    };
    expect((await sendInteraction(h.eventsUrl, TEST_SIGNING_SECRET, payload)).status).toBe(200);
    const told = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('Updated in Fxiaoke')),
    );
    expect(String(told.body.text)).toContain('version 2');
    const shown = await h.slack.waitFor(() =>
      h.slack.callsTo('views.update').find((call) => call.body.view_id === 'V0COMPOSE'),
    );
    expect(JSON.stringify(shown.body.view)).toContain('Updating the copy in Fxiaoke');
    expect(
      messageCalls(h)
        .slice(before)
        .map((call) => call.path),
    ).toEqual([REVOKE, SEND]);
    const updated = await relayWhen(
      h,
      ORIGINAL_TS,
      (record) => record.status === 'sent' && !record.updateRequest,
    );
    expect(updated.text).toBe('Agenda: budget, hiring');
  });
});

describe('acked means recorded', () => {
  it('does not ack an edit it could not record, so Slack retries; the retry is acted on', async () => {
    harness = await Harness.start({ fileConfig: AT_ONCE });
    const h = harness;
    await relayMessage(h, 'Before');
    const store = h.bridge.store;
    const findBySlackMessage = store.findBySlackMessage.bind(store);
    store.findBySlackMessage = () => Promise.reject(new Error('store down'));
    const edit = eventCallback(messageChanged({ text: 'After', previousText: 'Before' }));
    const refused = await postEvent(h, edit);
    expect(refused.status).not.toBe(200);
    store.findBySlackMessage = findBySlackMessage;
    expect((await postEvent(h, edit, 1)).status).toBe(200);
    const dm = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('edited')),
    );
    expect(JSON.stringify(dm.body.blocks)).toContain('After');
  });
});

describe('after a crash', () => {
  it('the next start posts a question a dead process recorded but never asked', async () => {
    harness = await Harness.start({ fileConfig: AT_ONCE });
    const h = harness;
    const relay = await relayMessage(h, 'Crash course');
    // What a process leaves when it dies between recording the edit and posting the question.
    await h.bridge.store.update(relay.id, {
      status: 'syncing',
      lease: { owner: 'fxb_dead', until: 0 },
      sync: {
        seenEvents: ['EvDEAD'],
        offer: {
          id: 'of_dead',
          kind: 'edit',
          text: 'Crash course, part 2',
          previousText: 'Crash course',
          offeredAt: Date.now(),
          previousStatus: 'sent',
        },
      },
    });
    await h.restart();
    const dm = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => JSON.stringify(call.body.blocks).includes('part 2')),
    );
    expect(buttonsOf(dm.body.blocks).map((button) => button.value)).toContain(`${relay.id}|of_dead`);
    const settled = await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');
    expect(settled.sync?.offer?.notifiedAt).toBeDefined();
  });

  it('the next start finishes an update a dead process claimed: one revoke, one send, and the sender told', async () => {
    harness = await Harness.start({ fileConfig: AT_ONCE });
    const h = harness;
    const relay = await relayMessage(h, 'Half done');
    const before = messageCalls(h).length;
    await h.bridge.store.update(relay.id, {
      status: 'revoking',
      lease: { owner: 'fxb_dead', until: 0 },
      updateRequest: {
        actorId: SENDER_ID,
        requestedAt: Date.now(),
        text: 'Fully done',
        secondCopy: false,
        via: 'auto',
        previousStatus: 'sent',
      },
    });
    await h.restart();
    const told = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('Updated in Fxiaoke')),
    );
    expect(String(told.body.text)).toContain('version 2');
    expect(
      messageCalls(h)
        .slice(before)
        .map((call) => call.path),
    ).toEqual([REVOKE, SEND]);
    const updated = await relayWhen(
      h,
      ORIGINAL_TS,
      (record) => record.status === 'sent' && !record.updateRequest,
    );
    expect(updated.text).toBe('Fully done');
  });

  it('an update whose new text was out when the process died is not sent again: "may have been delivered"', async () => {
    harness = await Harness.start({ fileConfig: AT_ONCE });
    const h = harness;
    const relay = await relayMessage(h, 'Old words');
    const before = messageCalls(h).length;
    // Died with the new version's first call dispatched (and the old copy already revoked).
    await h.bridge.store.update(relay.id, {
      status: 'pending',
      text: 'New words',
      content: 'sender (Slack, direct message):\nNew words (edited)',
      lease: { owner: 'fxb_dead', until: 0 },
      versions: [
        {
          number: 1,
          text: 'Old words',
          content: relay.content,
          batches: relay.batches.map((batch) => ({ ...batch, status: 'revoked' as const })),
          sentAt: relay.createdAt,
          replacedAt: Date.now(),
        },
      ],
      batches: relay.batches.map((batch) => ({
        index: batch.index,
        recipients: batch.recipients,
        status: 'pending' as const,
        thirdTraceId: 'third-crash',
        dispatchedAt: Date.now(),
      })),
      updateRequest: {
        actorId: SENDER_ID,
        requestedAt: Date.now(),
        text: 'New words',
        secondCopy: false,
        via: 'button',
        previousStatus: 'sent',
      },
    });
    await h.restart();
    await h.slack.waitFor(() =>
      dmsTo(h).find((call) => JSON.stringify(call.body).includes('May or may not have arrived')),
    );
    const settled = await relayWhen(
      h,
      ORIGINAL_TS,
      (record) => record.status === 'unknown' && !record.updateRequest,
    );
    expect(settled.batches[0]?.status).toBe('unknown');
    expect(settled.batches[0]?.error?.message).toContain(
      'may have been delivered (thirdTraceId third-crash)',
    );
    expect(messageCalls(h).length).toBe(before);
  });
});

describe('a change while the relay is in work', () => {
  it('an edit is acked and recorded beside the work, and acted on once the relay is free', async () => {
    harness = await Harness.start({ fileConfig: AT_ONCE });
    const h = harness;
    const relay = await relayMessage(h, 'First words');
    // Another replica is revoking it right now (a live lease that is not ours).
    await h.bridge.store.update(relay.id, {
      status: 'revoking',
      lease: { owner: 'fxb_other', until: Date.now() + 600_000 },
      revokeRequest: { actorId: SENDER_ID, requestedAt: Date.now(), previousStatus: 'sent' },
    });
    const edit = eventCallback(messageChanged({ text: 'Second words', previousText: 'First words' }));
    const acked = await postEvent(h, edit);
    expect(acked.status).toBe(200);
    // Recorded before the ack, beside the other replica's work (its status and lease untouched).
    const recorded = await h.bridge.store.findById(relay.id);
    expect(recorded).toMatchObject({
      status: 'revoking',
      lease: { owner: 'fxb_other' },
      slackChanges: { waiting: { kind: 'edit', text: 'Second words', edits: 1 } },
      sync: { seenEvents: [edit.event_id] },
    });
    expect(h.logLines.filter((line) => line.includes('"level":50'))).toEqual([]);
    // The other replica finished (its revoke failed and the relay is back to sent).
    await h.bridge.store.update(relay.id, { status: 'sent', lease: undefined, revokeRequest: undefined });
    const dm = await h.slack.waitFor(() =>
      dmsTo(h).find((call) => String(call.body.text).includes('edited')),
    );
    expect(JSON.stringify(dm.body.blocks)).toContain('Second words');
    const asked = await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');
    expect(asked.slackChanges?.waiting).toBeUndefined();
    // Slack's retry of the acked event (had it not heard the ack) finds it recorded.
    expect((await postEvent(h, edit, 1)).status).toBe(200);
    await h.bridge.slack.jobs.idle();
    expect(dmsTo(h).filter((call) => String(call.body.text).includes('edited'))).toHaveLength(1);
  });

  it('a delete is acked and recorded beside the work, and revokes once the relay is free (auto)', async () => {
    harness = await Harness.start({ fileConfig: 'sync:\n  deletes: auto\n  quietMs: 0\n' });
    const h = harness;
    const relay = await relayMessage(h, 'Soon gone');
    const before = messageCalls(h).length;
    await h.bridge.store.update(relay.id, {
      status: 'syncing',
      lease: { owner: 'fxb_other', until: Date.now() + 600_000 },
    });
    expect((await postEvent(h, eventCallback(messageDeleted()))).status).toBe(200);
    const recorded = await h.bridge.store.findById(relay.id);
    expect(recorded?.slackChanges?.waiting?.kind).toBe('delete');
    expect(messageCalls(h).length).toBe(before);
    await h.bridge.store.update(relay.id, { status: 'sent', lease: undefined });
    const revoked = await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'revoked');
    expect(revoked.sync?.deletedAt).toBeDefined();
    expect(messageCalls(h).slice(before)).toEqual([
      { path: REVOKE, body: expect.objectContaining({ messageId: relay.batches[0]?.messageId }) },
    ]);
    await h.slack.waitFor(() => dmsTo(h).find((call) => String(call.body.text).includes('was deleted')));
  });
});

describe('a card relay', () => {
  it('is updated as a card: the old card revoked, the new text in the same card (title and link kept)', async () => {
    harness = await Harness.start({ fileConfig: 'sync:\n  edits: auto\n  quietMs: 0\n' });
    const h = harness;
    const view = await shortcutModal(h, { ts: ORIGINAL_TS, text: 'Deck v1', user: SENDER_ID });
    const recipient = h.emulator.options.users[0]!.openUserId;
    const submitted = await sendInteraction(
      h.eventsUrl,
      TEST_SIGNING_SECRET,
      viewSubmissionPayload({
        callbackId: view.callback_id ?? '',
        privateMetadata: view.private_metadata,
        values: {
          recipients: {
            recipients: {
              type: 'multi_external_select',
              selected_options: [{ text: { type: 'plain_text', text: recipient }, value: recipient }],
            },
          },
          slack_users: { slack_users: { type: 'multi_users_select', selected_users: [] } },
          message: { message: { type: 'plain_text_input', value: 'Deck v1' } },
          format: {
            format: {
              type: 'radio_buttons',
              selected_option: { text: { type: 'plain_text', text: 'card' }, value: 'card' },
            },
          },
        },
      }),
    );
    expect(submitted.status).toBe(200);
    const first = await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');
    expect(first.format).toBe('card');
    const [original] = h.emulator.messages;
    expect(original?.msgType).toBe('composite');

    await postEvent(h, eventCallback(messageChanged({ text: 'Deck v2', previousText: 'Deck v1' })));
    await relayWhen(
      h,
      ORIGINAL_TS,
      (record) => record.text === 'Deck v2' && record.status === 'sent' && !record.updateRequest,
    );
    const [, updated] = h.emulator.messages;
    expect(h.emulator.messages[0]?.revoked).toBe(true);
    expect(updated?.msgType).toBe('composite');
    expect(updated?.card).toEqual({ ...original?.card, first: { content: 'Deck v2 (edited)' } });
    expect(
      messageCalls(h)
        .map((call) => call.path)
        .slice(-2),
    ).toEqual([REVOKE, SEND]);
  });
});
