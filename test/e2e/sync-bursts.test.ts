/**
 * The latest edit wins, and a burst of edits is one change: signed `message_changed` callbacks
 * through the real Bolt app (HTTP mode), the real emulator on loopback and a real SQLite file.
 * The bridge runs on a clock the test moves, so "the message went quiet" happens when the test
 * says, never because the machine was slow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';
import {
  buttonsOf,
  clickDmButton,
  dmsTo,
  editTime,
  eventCallback,
  messageCalls,
  messageChanged,
  messageDeleted,
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
const QUIET_MS = 60_000;

/** A clock that runs with the real one, and jumps when the test says the message went quiet. */
function movableClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    /** The message has been quiet for the whole quiet period. */
    passQuietPeriod: () => {
      offset += QUIET_MS + 1;
    },
  };
}

/** What Fxiaoke shows for the relay now: the text of the last message sent and not revoked. */
function liveTexts(h: Harness): string[] {
  return h.emulator.messages.filter((message) => !message.revoked).map((message) => JSON.stringify(message));
}

const updatedDms = (h: Harness) => dmsTo(h).filter((call) => String(call.body.text).includes('Updated'));
const questions = (h: Harness) => dmsTo(h).filter((call) => String(call.body.text).includes('edited'));

describe('the latest edit wins', () => {
  it('auto: an older edit delivered after a newer one changes nothing; Fxiaoke keeps the newer text', async () => {
    harness = await Harness.start({ fileConfig: 'sync:\n  edits: auto\n  quietMs: 0\n' });
    const h = harness;
    await relayMessage(h, 'price 100');
    const before = messageCalls(h).length;
    // Made in this order in Slack: 200, then 300. Slack delivers 300 first, then 200 again late
    // (its first delivery was not acked in time).
    const older = editTime();
    const newer = editTime();
    const late = eventCallback(messageChanged({ text: 'price 200', previousText: 'price 100', at: older }));
    const latest = eventCallback(messageChanged({ text: 'price 300', previousText: 'price 200', at: newer }));
    expect((await postEvent(h, latest)).status).toBe(200);
    await relayWhen(h, ORIGINAL_TS, (record) => record.text === 'price 300' && !record.updateRequest);
    expect((await postEvent(h, late, 1)).status).toBe(200);
    await h.bridge.slack.jobs.idle();

    const relay = await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');
    expect(relay.text).toBe('price 300');
    expect(
      messageCalls(h)
        .slice(before)
        .map((call) => call.path),
    ).toEqual([REVOKE, SEND]);
    const live = liveTexts(h);
    expect(live).toHaveLength(1);
    expect(live[0]).toContain('price 300 (edited)');
    expect(updatedDms(h)).toHaveLength(1);
    // The mark survives: the newest edit's time is on the record.
    expect(relay.slackChanges?.newestEdit).toEqual(newer);
  });

  it('ask: an older edit delivered late opens no question; the open one (newer text) still updates', async () => {
    harness = await Harness.start({ fileConfig: 'sync:\n  quietMs: 0\n' });
    const h = harness;
    await relayMessage(h, 'price 100');
    const before = messageCalls(h).length;
    const older = editTime();
    const newer = editTime();
    await postEvent(
      h,
      eventCallback(messageChanged({ text: 'price 300', previousText: 'price 200', at: newer })),
    );
    const question = await h.slack.waitFor(() => questions(h)[0]);
    await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');
    await postEvent(
      h,
      eventCallback(messageChanged({ text: 'price 200', previousText: 'price 100', at: older })),
    );
    await h.bridge.slack.jobs.idle();
    expect(questions(h)).toHaveLength(1);

    const update = buttonsOf(question.body.blocks).find((button) => button.action_id === 'fx_update')!;
    const [answer] = await h.responsesTo(await clickDmButton(h, 'fx_update', update.value));
    expect(answer).toContain('Updated in Fxiaoke');
    expect(
      messageCalls(h)
        .slice(before)
        .map((call) => call.path),
    ).toEqual([REVOKE, SEND]);
    expect(liveTexts(h)[0]).toContain('price 300 (edited)');
  });

  it('ask: a question a newer edit superseded is stale; the newer one asks about the newest text', async () => {
    harness = await Harness.start({ fileConfig: 'sync:\n  quietMs: 0\n' });
    const h = harness;
    await relayMessage(h, 'v1');
    const before = messageCalls(h).length;
    await postEvent(h, eventCallback(messageChanged({ text: 'v2', previousText: 'v1' })));
    const first = await h.slack.waitFor(() => questions(h)[0]);
    await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');
    await postEvent(h, eventCallback(messageChanged({ text: 'v3', previousText: 'v2' })));
    const second = await h.slack.waitFor(() => questions(h)[1]);
    expect(JSON.stringify(second.body.blocks)).toContain('v3');
    await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');

    const stale = buttonsOf(first.body.blocks).find((button) => button.action_id === 'fx_update')!;
    const [answer] = await h.responsesTo(await clickDmButton(h, 'fx_update', stale.value));
    expect(answer).toContain('a newer edit replaced it');
    expect(messageCalls(h).length).toBe(before);
  });
});

describe('a burst of edits is one change', () => {
  it('auto: 40 edits in a row become one revoke and one send of the last text, and one DM', async () => {
    const clock = movableClock();
    harness = await Harness.start({
      fileConfig: `sync:\n  edits: auto\n  quietMs: ${QUIET_MS}\n`,
      now: clock.now,
    });
    const h = harness;
    await relayMessage(h, 'draft 0');
    const before = messageCalls(h).length;
    for (let n = 1; n <= 40; n++) {
      const edit = messageChanged({ text: `draft ${n}`, previousText: `draft ${n - 1}` });
      expect((await postEvent(h, eventCallback(edit))).status).toBe(200);
    }
    // Every edit is recorded (acked), none acted on while the message keeps changing.
    const relay = await relayWhen(h, ORIGINAL_TS, () => true);
    expect(relay.status).toBe('changed');
    expect(relay.slackChanges?.waiting).toMatchObject({ kind: 'edit', text: 'draft 40', edits: 40 });
    expect(messageCalls(h).length).toBe(before);

    clock.passQuietPeriod();
    const told = await h.slack.waitFor(() => updatedDms(h)[0]);
    expect(String(told.body.text)).toContain('your 40 edits in Slack went out as this one update');
    await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent' && !record.updateRequest);
    await h.bridge.slack.jobs.idle();
    const calls = messageCalls(h).slice(before);
    expect(calls.map((call) => call.path)).toEqual([REVOKE, SEND]);
    expect(JSON.stringify(calls[1]?.body)).toContain('draft 40 (edited)');
    expect(updatedDms(h)).toHaveLength(1);
    const updated = await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');
    expect(updated.versions?.map((version) => version.text)).toEqual(['draft 0']);
    expect(updated.text).toBe('draft 40');
  });

  it('ask: a burst becomes one question with the last text, and its Update sends that text', async () => {
    const clock = movableClock();
    harness = await Harness.start({ fileConfig: `sync:\n  quietMs: ${QUIET_MS}\n`, now: clock.now });
    const h = harness;
    await relayMessage(h, 'agenda');
    const before = messageCalls(h).length;
    for (let n = 1; n <= 25; n++) {
      const edit = messageChanged({ text: `agenda, item ${n}`, previousText: `agenda, item ${n - 1}` });
      expect((await postEvent(h, eventCallback(edit))).status).toBe(200);
    }
    expect(dmsTo(h)).toHaveLength(0);
    clock.passQuietPeriod();
    const question = await h.slack.waitFor(() => questions(h)[0]);
    const shown = JSON.stringify(question.body.blocks);
    expect(shown).toContain('agenda, item 25');
    expect(shown).not.toContain('agenda, item 24');
    expect(String(question.body.text)).toContain('25 times');
    await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'sent');
    await h.bridge.slack.jobs.idle();
    expect(questions(h)).toHaveLength(1);
    expect(messageCalls(h).length).toBe(before);

    const update = buttonsOf(question.body.blocks).find((button) => button.action_id === 'fx_update')!;
    const [answer] = await h.responsesTo(await clickDmButton(h, 'fx_update', update.value));
    expect(answer).toContain('Updated in Fxiaoke');
    const calls = messageCalls(h).slice(before);
    expect(calls.map((call) => call.path)).toEqual([REVOKE, SEND]);
    expect(JSON.stringify(calls[1]?.body)).toContain('agenda, item 25 (edited)');
  });

  it('auto: a delete during a burst revokes at once; the edits waiting are dropped', async () => {
    const clock = movableClock();
    harness = await Harness.start({
      fileConfig: `sync:\n  edits: auto\n  deletes: auto\n  quietMs: ${QUIET_MS}\n`,
      now: clock.now,
    });
    const h = harness;
    const relay = await relayMessage(h, 'typo');
    const before = messageCalls(h).length;
    await postEvent(h, eventCallback(messageChanged({ text: 'typ0', previousText: 'typo' })));
    await postEvent(h, eventCallback(messageChanged({ text: 'type', previousText: 'typ0' })));
    expect((await postEvent(h, eventCallback(messageDeleted()))).status).toBe(200);
    const revoked = await relayWhen(h, ORIGINAL_TS, (record) => record.status === 'revoked');
    expect(revoked.slackChanges?.waiting).toBeUndefined();
    clock.passQuietPeriod();
    await h.bridge.slack.jobs.idle();
    expect(messageCalls(h).slice(before)).toEqual([
      { path: REVOKE, body: expect.objectContaining({ messageId: relay.batches[0]?.messageId }) },
    ]);
    expect(updatedDms(h)).toHaveLength(0);
  });
});
