import { describe, expect, it } from 'vitest';
import type { RelayObserver } from '../../../../src/relay/deps.js';
import { TakenOverError } from '../../../../src/relay/dispatch.js';
import { USAGE } from '../../../../src/relay/grammar.js';
import type { IntakeRequest } from '../../../../src/relay/intake.js';
import { type CommandArgs, fxSendCommand } from '../../../../src/slack/listeners/commands/fx-send.js';
import { makeBatch } from '../../../store/records.js';
import {
  CHANNEL,
  type Door,
  door,
  receivedRecord,
  recorder,
  SENDER,
  sentRecord,
  TEAM,
  textsGiven,
  textsOf,
} from '../door-kit.js';

function invoke(d: Door, text: string) {
  const ack = recorder(d);
  const respond = recorder();
  const command = {
    command: '/fx-send',
    text,
    team_id: TEAM,
    trigger_id: 'trigger.1',
    user_id: SENDER,
    user_name: 'sender',
    channel_id: CHANNEL,
    channel_name: 'general',
    response_url: 'https://hooks.slack.test/commands/1',
  };
  // Only the fields the listener reads: Bolt's full argument object has many more.
  const args = { ack, respond, command, body: command, client: d.client } as unknown as CommandArgs;
  return { ack, respond, run: () => fxSendCommand(d.ctx)(args) };
}

describe('/fx-send', () => {
  it('answers help and grammar mistakes on the ack, without recording anything', async () => {
    const d = door();
    const help = invoke(d, 'help');
    await help.run();
    expect(textsGiven(help.ack)).toEqual([USAGE]);
    const mistake = invoke(d, 'FSUID_A');
    await mistake.run();
    expect(textsGiven(mistake.ack)[0]).toMatch(/^:warning: .+\n\n\*Usage:\*/);
    expect(d.relay.calls).toEqual([]);
  });

  it('records the request as typed before the ack, then posts the receipt and brings it up to date', async () => {
    const received = receivedRecord();
    const accepted = sentRecord({
      id: received.id,
      status: 'pending',
      batches: [makeBatch(0, { status: 'sent', traceId: 'E-1' }), makeBatch(1)],
      slack: undefined,
    });
    const d = door({
      receiveSend: async () => ({ type: 'accepted', record: received }),
      carryOutSend: async (_record, observer: RelayObserver) => {
        const receipt = await observer.onFirstAccepted?.(accepted);
        const final = sentRecord({
          id: received.id,
          ...(receipt ? { slack: receipt } : {}),
          batches: [
            makeBatch(0, { status: 'sent', traceId: 'E-1' }),
            makeBatch(1, { status: 'sent', traceId: 'E-2' }),
          ],
        });
        return { type: 'finished', record: final };
      },
    });
    const { ack, respond, run } = invoke(d, 'FSUID_A,sales *The* quote');
    await run();
    // Recorded, then acked: the ack is a promise.
    expect(d.timeline.slice(0, 2)).toEqual(['relay.receiveSend', 'ack']);
    expect(ack.payloads).toEqual([undefined]);
    const intake = d.relay.calls[0]?.args[0] as IntakeRequest;
    expect(intake).toMatchObject({
      requestKey: `command:${TEAM}:trigger.1`,
      senderId: SENDER,
      originChannelId: CHANNEL,
      recipientsInput: ['FSUID_A', 'sales'],
      text: 'The quote',
      intake: { door: 'command', teamId: TEAM, senderName: 'sender', channelName: 'general' },
    });
    await d.settled();
    const [posted] = d.callsTo('chat.postMessage');
    expect(posted?.args.channel).toBe(CHANNEL);
    expect(textsOf(posted)).toContain('Sending… batch 2 of 2');
    const updates = d.callsTo('chat.update');
    expect(updates).toHaveLength(1);
    expect(textsOf(updates[0])).toContain(':white_check_mark: Sent');
    expect(textsOf(updates[0])).toContain('E-2');
    expect(respond.payloads).toEqual([]);
  });

  it('says what is wrong with a text too long, privately, after the ack', async () => {
    const problem = 'The message is 101 characters long; the limit is 100. Shorten it and try again.';
    const d = door({ receiveSend: async () => ({ type: 'invalid_text', problem }) });
    const { ack, respond, run } = invoke(d, 'FSUID_A hello');
    await run();
    expect(ack.payloads).toEqual([undefined]);
    expect(respond.payloads).toEqual([{ response_type: 'ephemeral', text: `:warning: ${problem}` }]);
  });

  it('answers a second delivery from the first relay, and sends nothing', async () => {
    const earlier = sentRecord();
    const d = door({ receiveSend: async () => ({ type: 'duplicate', record: earlier }) });
    const { respond, run } = invoke(d, 'FSUID_A hello');
    await run();
    await d.settled();
    expect(textsGiven(respond)).toEqual([
      `:information_source: This request was already handled as relay \`${earlier.id}\` (status: sent). It was not sent again.`,
    ]);
    expect(d.relay.calls.map((call) => call.method)).toEqual(['receiveSend']);
  });

  it('says nothing was taken on the ack itself when the store is too slow', async () => {
    const d = door({ receiveSend: async () => ({ type: 'unavailable' }) });
    const { ack, respond, run } = invoke(d, 'FSUID_A hello');
    await run();
    expect(textsGiven(ack)).toEqual([
      ':warning: fx-bridge could not record this request in time (its store is slow or unreachable), so nothing was taken and nothing will be sent. Please try again in a moment.',
    ]);
    expect(respond.payloads).toEqual([]);
  });

  it('tells the sender, with the traceId, when Fxiaoke accepted nothing', async () => {
    const received = receivedRecord();
    const failed = sentRecord({
      id: received.id,
      status: 'failed',
      slack: undefined,
      batches: [makeBatch(0, { status: 'failed' })],
      error: { kind: 'permission', code: 20016, message: 'Not allowed', traceId: 'E-FAIL' },
    });
    const d = door({
      receiveSend: async () => ({ type: 'accepted', record: received }),
      carryOutSend: async () => ({ type: 'finished', record: failed }),
    });
    const { respond, run } = invoke(d, 'FSUID_A hello');
    await run();
    await d.settled();
    const [answer] = textsGiven(respond);
    expect(answer).toContain(':x: Fxiaoke did not accept the message; nothing was delivered.');
    expect(answer).toContain('Not allowed (errorCode 20016, traceId `E-FAIL`)');
    expect(d.callsTo('chat.postMessage')).toEqual([]);
  });

  it('says nothing when another process took the relay over before its call went out: that one answers', async () => {
    const received = receivedRecord();
    const d = door({
      receiveSend: async () => ({ type: 'accepted', record: received }),
      carryOutSend: async () => Promise.reject(new TakenOverError(received.id)),
    });
    const { respond, run } = invoke(d, 'FSUID_A hello');
    await run();
    await d.settled();
    expect(textsGiven(respond)).toEqual([]);
    expect(d.callsTo('chat.postMessage')).toEqual([]);
    // Any other failure is still told.
    const broken = door({
      receiveSend: async () => ({ type: 'accepted', record: received }),
      carryOutSend: async () => Promise.reject(new Error('boom')),
    });
    const failed = invoke(broken, 'FSUID_A hello');
    await failed.run();
    await broken.settled();
    expect(textsGiven(failed.respond)[0]).toContain('fx-bridge hit an internal error while relaying');
  });

  it('opens the compose window for a bare /fx-send, or says why it cannot', async () => {
    const d = door();
    const bare = invoke(d, '');
    await bare.run();
    expect(bare.ack.payloads).toEqual([undefined]);
    expect(d.callsTo('views.open')[0]?.args.trigger_id).toBe('trigger.1');

    const broken = door({}, { failing: ['views.open'] });
    const failed = invoke(broken, '');
    await failed.run();
    expect(textsGiven(failed.respond)[0]).toContain(
      'The compose window could not be opened; you can also type it all in one line.',
    );

    const refused = door({ admitSend: async () => ({ kind: 'group_lookup_failed' }) });
    const denied = invoke(refused, '');
    await denied.run();
    expect(refused.callsTo('views.open')).toEqual([]);
    expect(textsGiven(denied.respond)).toEqual([
      ':warning: Nothing was sent: fx-bridge could not check your user group membership with Slack. Try again in a moment.',
    ]);
  });

  it('hands an accepted send to the workers with its response_url (RELAY_WORKERS=fork), after the ack', async () => {
    const received = receivedRecord();
    const handed: { id: string; url: string | undefined; issuedAt: number | undefined }[] = [];
    const d = door(
      { receiveSend: async () => ({ type: 'accepted', record: received }) },
      {
        handOff: {
          send: async (record, responseUrl) =>
            void handed.push({ id: record.id, url: responseUrl?.url, issuedAt: responseUrl?.issuedAt }),
        },
      },
    );
    const before = Date.now();
    const { ack, run } = invoke(d, 'FSUID_A hello');
    await run();
    await d.settled();
    expect(ack.payloads).toEqual([undefined]);
    expect(handed).toEqual([
      { id: received.id, url: 'https://hooks.slack.test/commands/1', issuedAt: expect.any(Number) },
    ]);
    // Its life counted from the door, so a worker never posts to it past Slack's 30 minutes.
    expect(handed[0]?.issuedAt).toBeGreaterThanOrEqual(before);
    expect(handed[0]?.issuedAt).toBeLessThanOrEqual(Date.now());
  });
});
