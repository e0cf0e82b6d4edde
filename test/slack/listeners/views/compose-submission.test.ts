import { describe, expect, it } from 'vitest';
import type { RelayFacade } from '../../../../src/relay/facade.js';
import type { IntakeRequest } from '../../../../src/relay/intake.js';
import {
  composeSubmission,
  type ViewArgs,
} from '../../../../src/slack/listeners/views/compose-submission.js';
import {
  CHANNEL,
  type Door,
  door,
  receivedRecord,
  recorder,
  SENDER,
  sentRecord,
  TEAM,
  textsOf,
} from '../door-kit.js';

interface Form {
  recipients?: string[];
  text?: string;
  metadata?: Record<string, unknown>;
}

function submit(d: Door, form: Form = {}) {
  const ack = recorder(d);
  const view = {
    id: 'V0COMPOSE',
    callback_id: 'fx_send_modal',
    private_metadata: JSON.stringify(form.metadata ?? { teamId: TEAM, channelId: CHANNEL }),
    state: {
      values: {
        recipients: {
          recipients: {
            type: 'multi_external_select',
            selected_options: (form.recipients ?? ['FSUID_A']).map((value) => ({ value })),
          },
        },
        message: { message: { type: 'plain_text_input', value: form.text ?? 'The quote is ready' } },
      },
    },
  };
  const body = { type: 'view_submission', user: { id: SENDER, name: 'sender' }, view };
  // Only the fields the listener reads: Bolt's full argument object has many more.
  const args = { ack, body, view, client: d.client } as unknown as ViewArgs;
  return { ack, run: () => composeSubmission(d.ctx)(args) };
}

function accepting(extra: Partial<RelayFacade> = {}): Partial<RelayFacade> {
  const received = receivedRecord({
    intake: { door: 'compose', teamId: TEAM, senderName: 'sender', receivedAt: 0 },
  });
  return {
    receiveSend: async () => ({ type: 'accepted', record: received }),
    checkRecipients: async () => ({ ok: true, recipients: ['FSUID_A'], unreachable: [] }),
    discardSend: async () => undefined,
    ...extra,
  };
}

describe('compose window submission', () => {
  it('shows mistakes that need no lookup inline, recording nothing', async () => {
    const d = door();
    const { ack, run } = submit(d, { recipients: [], text: '' });
    await run();
    expect(ack.payloads).toEqual([
      {
        response_action: 'errors',
        errors: { recipients: 'Add at least one recipient.', message: 'The message is empty.' },
      },
    ]);
    expect(d.relay.calls).toEqual([]);
  });

  it('records the request keyed by its view, closes the window, and sends in the queue', async () => {
    const d = door(
      accepting({
        carryOutSend: async (record) => ({
          type: 'finished',
          record: sentRecord({ id: record.id, slack: undefined, intake: record.intake }),
        }),
      }),
    );
    const { ack, run } = submit(d);
    await run();
    expect(ack.payloads).toEqual([undefined]);
    const intake = d.relay.calls.find((call) => call.method === 'receiveSend')?.args[0] as IntakeRequest;
    expect(intake).toMatchObject({
      requestKey: `compose:${TEAM}:V0COMPOSE`,
      recipientsInput: ['FSUID_A'],
      text: 'The quote is ready',
      intake: { door: 'compose', teamId: TEAM },
    });
    await d.settled();
    expect(d.relay.calls.map((call) => call.method)).toEqual([
      'receiveSend',
      'admitSend',
      'checkRecipients',
      'underLease',
      'carryOutSend',
      // The sender was told: the answer the final write recorded as owed is settled.
      'settleOwed',
      'listFor',
    ]);
    // The receipt could not be posted (no observer call): the sender hears privately, with the traceId.
    expect(d.timeline.indexOf('ack')).toBe(d.timeline.indexOf('relay.checkRecipients') + 1);
    expect(d.callsTo('views.publish')[0]?.args.user_id).toBe(SENDER);
    const [told] = d.callsTo('chat.postEphemeral');
    expect(told?.args).toMatchObject({ channel: CHANNEL, user: SENDER });
    expect(textsOf(told)).toContain('E-TRACE-1');
  });

  it('keeps the window open on a text the intake refuses, on the message field', async () => {
    const problem = 'The message is 101 characters long; the limit is 100. Shorten it and try again.';
    const d = door({ receiveSend: async () => ({ type: 'invalid_text', problem }) });
    const { ack, run } = submit(d);
    await run();
    expect(ack.payloads).toEqual([{ response_action: 'errors', errors: { message: problem } }]);
  });

  it('says inline that nothing was taken when the store is too slow', async () => {
    const d = door({ receiveSend: async () => ({ type: 'unavailable' }) });
    const { ack, run } = submit(d);
    await run();
    expect(ack.payloads).toEqual([
      {
        response_action: 'errors',
        errors: {
          message:
            'fx-bridge could not record this request in time (its store is slow or unreachable), so nothing was taken and nothing will be sent. Please try again in a moment.',
        },
      },
    ]);
  });

  it('gives a refused sender the reason and takes the request back', async () => {
    const d = door(accepting({ admitSend: async () => ({ kind: 'group_lookup_failed' }) }));
    const { ack, run } = submit(d);
    await run();
    expect(ack.payloads).toEqual([
      {
        response_action: 'errors',
        errors: {
          message:
            'fx-bridge could not check your user group membership with Slack. Press Send again in a moment.',
        },
      },
    ]);
    expect(d.relay.calls.map((call) => call.method)).toContain('discardSend');
    await d.settled();
    expect(d.relay.calls.map((call) => call.method)).not.toContain('carryOutSend');
  });

  it('puts recipient problems found in time on the recipients field and takes the request back', async () => {
    const d = door(
      accepting({
        checkRecipients: async () => ({
          ok: false,
          problems: [{ input: 'nosuch', reason: 'is neither an id nor an alias' }],
        }),
      }),
    );
    const { ack, run } = submit(d, { recipients: ['nosuch'] });
    await run();
    expect(ack.payloads).toEqual([
      { response_action: 'errors', errors: { recipients: 'nosuch: is neither an id nor an alias.' } },
    ]);
    expect(d.relay.calls.map((call) => call.method)).toContain('discardSend');
  });

  it('answers a resubmission from the relay it already became', async () => {
    const earlier = sentRecord();
    const d = door({ receiveSend: async () => ({ type: 'duplicate', record: earlier }) });
    const { ack, run } = submit(d);
    await run();
    expect(ack.payloads).toEqual([undefined]);
    expect(textsOf(d.callsTo('chat.postEphemeral')[0])).toContain(
      `already handled as relay \`${earlier.id}\` (status: sent)`,
    );
  });
});
