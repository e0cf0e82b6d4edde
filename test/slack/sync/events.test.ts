/** Reading Slack's message events into edits and deletes (src/slack/sync/events.ts). */
import { describe, expect, it } from 'vitest';
import { messageChangeOf } from '../../../src/slack/sync/events.js';
import { eventCallback, messageChanged, messageDeleted, tombstoned } from '../../e2e/sync-requests.js';

const ref = { teamId: 'T0TEST', channelId: 'C0TEST', ts: '1700000500.000100' };

describe('messageChangeOf', () => {
  it('reads an edit: author, editor, new and previous text as plain text, and when it was made', () => {
    const at = { editedTs: '1700000600.000000', eventTs: '1700000600.000321' };
    const body = eventCallback(
      messageChanged({ text: 'Price &lt;12k&gt;', previousText: 'Price 10k', at }),
      'EvEDIT',
    );
    expect(messageChangeOf(body)).toEqual({
      kind: 'edit',
      eventId: 'EvEDIT',
      ref,
      authorId: 'U0SENDER',
      editorId: 'U0SENDER',
      fromBot: false,
      text: 'Price <12k>',
      previousText: 'Price 10k',
      edit: at,
    });
  });

  it('orders an edit without edited.ts by its event time alone, and one without either not at all', () => {
    const body = eventCallback(messageChanged({ text: 'a', previousText: 'b' }));
    const event = body.event as { message: { edited?: unknown }; event_ts?: string; ts?: string };
    delete event.message.edited;
    expect(messageChangeOf(body)).toMatchObject({ edit: { eventTs: event.event_ts } });
    expect((messageChangeOf(body) as { edit: object }).edit).not.toHaveProperty('editedTs');
    delete event.event_ts;
    delete event.ts;
    expect(messageChangeOf(body)).not.toHaveProperty('edit');
  });

  it('marks bot edits, and names mentions with the names it is given', () => {
    const bot = eventCallback(messageChanged({ text: 'x', previousText: 'y', botId: 'B0BOT' }));
    expect(messageChangeOf(bot)).toMatchObject({ kind: 'edit', fromBot: true });
    const mention = eventCallback(messageChanged({ text: 'hi <@U0ANA>', previousText: 'hi' }));
    expect(messageChangeOf(mention, (id) => (id === 'U0ANA' ? 'ana' : undefined))).toMatchObject({
      text: 'hi @ana',
    });
  });

  it('reads message_deleted and a tombstone as deletes of the original ts', () => {
    expect(messageChangeOf(eventCallback(messageDeleted(), 'EvDEL'))).toEqual({
      kind: 'delete',
      eventId: 'EvDEL',
      ref,
    });
    expect(messageChangeOf(eventCallback(tombstoned(), 'EvTOMB'))).toEqual({
      kind: 'delete',
      eventId: 'EvTOMB',
      ref,
    });
  });

  it('takes the team from authorizations when team_id is missing', () => {
    const body = eventCallback(messageDeleted(), 'EvDEL');
    delete body.team_id;
    expect(messageChangeOf(body)).toMatchObject({ ref });
  });

  it('ignores everything else: new messages, other events, no event id, no channel', () => {
    expect(
      messageChangeOf(
        eventCallback({ type: 'message', channel: 'C0TEST', user: 'U1', text: 'new', ts: '1.2' }),
      ),
    ).toBeUndefined();
    expect(messageChangeOf(eventCallback({ type: 'app_home_opened', user: 'U1' }))).toBeUndefined();
    const noId = eventCallback(messageDeleted());
    delete noId.event_id;
    expect(messageChangeOf(noId)).toBeUndefined();
    expect(messageChangeOf(eventCallback({ ...messageDeleted(), channel: undefined }))).toBeUndefined();
    expect(messageChangeOf({ type: 'block_actions' })).toBeUndefined();
  });
});
