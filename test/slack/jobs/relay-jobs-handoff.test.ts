/**
 * RelayJobs with RELAY_WORKERS fork|none (issue 22): a door's accepted send is handed off, not run
 * here; what needs no Fxiaoke call is still answered at once; a held relay's confirmation (whose
 * answer replaces the held message, known only here) runs here. A worker's RelayJobs carries a
 * handed-off relay out as the normal job, answered through the door's response_url when the
 * receiver passed it on (RELAY_WORKERS=fork), else in its channel.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../../dev/fakes/slack-api.js';
import type { RelayRecord } from '../../../src/relay/types.js';
import { type PortableResponseUrl, RESPONSE_URL_LIFETIME_MS } from '../../../src/slack/jobs/answer.js';
import type { HandedOffRevoke, HandedOffUpdate } from '../../../src/slack/jobs/port.js';
import { CHANNEL, door, receivedRecord, SENDER, sentRecord, textsOf } from '../listeners/door-kit.js';

let slack: FakeSlackApi | undefined;
afterEach(async () => {
  await slack?.stop();
  slack = undefined;
});

/** A worker's RelayJobs (door() without a hand-off of its own), as workers/start.ts calls it. */
type WorkerJobs = {
  carryOutHandedOff(record: RelayRecord, responseUrl?: PortableResponseUrl): void;
  carryOutHandedOffRevoke(claimed: readonly RelayRecord[], handed: HandedOffRevoke): void;
  carryOutHandedOffUpdate(claimed: RelayRecord, handed: HandedOffUpdate): void;
};

describe('RelayJobs handing sends off', () => {
  it('hands an accepted send off instead of carrying it out, and answers a duplicate at once', async () => {
    const handed: RelayRecord[] = [];
    const d = door({}, { handOff: { send: async (record) => void handed.push(record) } });
    const received = receivedRecord();
    const answered: string[] = [];
    await d.ctx.jobs.send({ type: 'accepted', record: received }, async (text) => void answered.push(text));
    await d.settled();
    expect(handed.map((record) => record.id)).toEqual([received.id]);
    // No lease taken, no Fxiaoke call asked for, nothing said: the worker does all of it.
    expect(d.relay.calls).toEqual([]);
    expect(d.client.calls).toEqual([]);
    expect(answered).toEqual([]);

    await d.ctx.jobs.send(
      { type: 'duplicate', record: sentRecord({ id: 'rl_first' }) },
      async (text) => void answered.push(text),
    );
    await d.settled();
    expect(handed).toHaveLength(1);
    expect(answered.join('\n')).toContain('rl_first');
  });

  it('carries a held relay’s confirmation out here, where its held message can be replaced', async () => {
    const handed: RelayRecord[] = [];
    const received = receivedRecord({ intake: { ...receivedRecord().intake!, confirmedBy: SENDER } });
    const d = door(
      {
        carryOutConfirmation: async () => ({ type: 'finished', record: sentRecord({ id: received.id }) }),
      },
      { handOff: { send: async (record) => void handed.push(record) } },
    );
    const held: string[] = [];
    await d.ctx.jobs.confirm({ type: 'accepted', record: received }, async (text) => void held.push(text));
    await d.settled();
    expect(handed).toEqual([]);
    expect(d.relay.calls.map((call) => call.method)).toContain('carryOutConfirmation');
  });

  it('carries a handed-off relay out in a worker as the normal job, answered in its channel', async () => {
    const received = receivedRecord();
    const d = door({
      carryOutSend: async () => ({
        type: 'finished',
        record: sentRecord({ id: received.id, status: 'failed', batches: [] }),
      }),
    });
    // The worker's RelayJobs: no hand-off of its own (door() without one).
    const jobs = d.ctx.jobs as unknown as WorkerJobs;
    jobs.carryOutHandedOff(received);
    await d.settled();
    expect(d.relay.calls.map((call) => call.method)).toEqual(
      expect.arrayContaining(['underLease', 'carryOutSend']),
    );
    const [ephemeral] = d.callsTo('chat.postEphemeral');
    expect(ephemeral?.args).toMatchObject({ channel: CHANNEL, user: SENDER });
    expect(textsOf(ephemeral)).not.toBe('\n[]');
  });

  it('passes the door’s response_url along with the hand-off', async () => {
    const handed: { id: string; responseUrl: PortableResponseUrl | undefined }[] = [];
    const d = door(
      {},
      { handOff: { send: async (record, responseUrl) => void handed.push({ id: record.id, responseUrl }) } },
    );
    const received = receivedRecord();
    const responseUrl = { url: 'https://hooks.slack.com/commands/T1/1/abc', issuedAt: 1_000 };
    await d.ctx.jobs.send({ type: 'accepted', record: received }, async () => undefined, { responseUrl });
    await d.settled();
    expect(handed).toEqual([{ id: received.id, responseUrl }]);
  });

  it('answers a handed-off send through the response_url it came with, in the channel once Slack no longer takes it', async () => {
    slack = await FakeSlackApi.start();
    const fake = slack;
    const received = receivedRecord();
    const d = door({
      carryOutSend: async () => ({
        type: 'expired',
        record: sentRecord({ id: received.id, status: 'failed', batches: [] }),
      }),
    });
    const jobs = d.ctx.jobs as unknown as WorkerJobs;

    const live = fake.responseUrl();
    jobs.carryOutHandedOff(received, { url: live, issuedAt: Date.now() });
    await d.settled();
    const [answer] = fake.responsesTo(live);
    expect(answer?.status).toBe(200);
    expect(JSON.stringify(answer?.body)).toContain(received.id);
    expect(d.callsTo('chat.postEphemeral')).toEqual([]);

    // Issued more than 30 minutes ago (a long wait in the receiver's queue): not posted to at all.
    const old = fake.responseUrl();
    jobs.carryOutHandedOff(received, { url: old, issuedAt: Date.now() - RESPONSE_URL_LIFETIME_MS - 1 });
    await d.settled();
    expect(fake.responsesTo(old)).toEqual([]);
    expect(d.callsTo('chat.postEphemeral')).toHaveLength(1);

    // Refused by Slack (404 expired_url): the answer is heard in the channel all the same.
    const refused = fake.responseUrl();
    fake.expireResponseUrl(refused);
    jobs.carryOutHandedOff(received, { url: refused, issuedAt: Date.now() });
    await d.settled();
    expect(fake.responsesTo(refused).map((call) => call.status)).toEqual([404]);
    const ephemerals = d.callsTo('chat.postEphemeral');
    expect(ephemerals).toHaveLength(2);
    expect(ephemerals[1]?.args).toMatchObject({ channel: CHANNEL, user: SENDER });
  });

  it('revokes what a receiver handed off and answers at the door’s response_url, or in the App Home', async () => {
    slack = await FakeSlackApi.start();
    const fake = slack;
    const claimed = sentRecord({ status: 'revoking' });
    const revoked = sentRecord({ id: claimed.id, status: 'revoked', revokedBy: SENDER });
    const d = door({
      carryOutRevoke: async () => ({ type: 'revoked', record: revoked }),
      listFor: async () => ({ admin: false, records: [revoked] }),
    });
    const jobs = d.ctx.jobs as unknown as WorkerJobs;
    const url = fake.responseUrl();
    jobs.carryOutHandedOffRevoke([claimed], {
      relayIds: [claimed.id],
      answered: [],
      actorId: SENDER,
      responseUrl: { url, issuedAt: Date.now() },
      channelId: CHANNEL,
    });
    await d.settled();
    expect(d.relay.calls.map((call) => call.method)).toContain('carryOutRevoke');
    const [answer] = fake.responsesTo(url);
    expect(answer?.body).toMatchObject({ replace_original: false });
    expect(String(answer?.body.text)).toContain(`Revoked relay \`${claimed.id}\``);

    // A click in the App Home (no response_url): the Home says what happened.
    jobs.carryOutHandedOffRevoke([claimed], { relayIds: [claimed.id], answered: [], actorId: SENDER });
    await d.settled();
    // The last Home published: the one carrying the answer (an earlier one refreshed the list).
    const home = d.callsTo('views.publish').at(-1);
    expect(home?.args.user_id).toBe(SENDER);
    expect(textsOf(home)).toContain(`Revoked relay \`${claimed.id}\``);
    expect(fake.responses).toHaveLength(1);

    // Told again to a replacement worker after the first one revoked them: nothing claimed, nothing said.
    const told = fake.responseUrl();
    jobs.carryOutHandedOffRevoke([], {
      relayIds: [claimed.id],
      answered: [{ type: 'already_revoked', record: revoked }],
      actorId: SENDER,
      responseUrl: { url: told, issuedAt: Date.now() },
    });
    await d.settled();
    expect(fake.responsesTo(told)).toEqual([]);
  });

  it('keeps a revoke here whose answer cannot travel to the worker (the DM after a deleted message)', async () => {
    const claimed = sentRecord({ status: 'revoking' });
    const revoked = sentRecord({ id: claimed.id, status: 'revoked', revokedBy: SENDER });
    const handed: HandedOffRevoke[] = [];
    const d = door(
      { carryOutRevoke: async () => ({ type: 'revoked', record: revoked }) },
      { handOff: { send: async () => undefined, revoke: async (revoke) => void handed.push(revoke) } },
    );
    const said: string[] = [];
    await d.ctx.jobs.revoke({ type: 'received', claimed: [claimed], answered: [] }, SENDER, async (text) => {
      said.push(text);
    });
    await d.settled();
    expect(handed).toEqual([]);
    expect(d.relay.calls.map((call) => call.method)).toContain('carryOutRevoke');
    expect(said.join('\n')).toContain(`Revoked relay \`${claimed.id}\``);
  });

  it('carries out an update a receiver handed off, answered at the response_url, or by DM', async () => {
    slack = await FakeSlackApi.start();
    const fake = slack;
    const claimed = sentRecord({ status: 'revoking', text: 'the quote' });
    const updated = sentRecord({ id: claimed.id, text: 'the new quote' });
    const d = door({
      sync: { carryOutUpdate: async () => ({ type: 'updated', record: updated, keptOld: 0 }) },
    });
    const jobs = d.ctx.jobs as unknown as WorkerJobs;
    const url = fake.responseUrl();
    jobs.carryOutHandedOffUpdate(claimed, {
      relayId: claimed.id,
      userId: SENDER,
      responseUrl: { url, issuedAt: Date.now() },
      channelId: CHANNEL,
    });
    await d.settled();
    expect(d.relay.calls.map((call) => call.method)).toContain('sync.carryOutUpdate');
    const [answer] = fake.responsesTo(url);
    expect(answer?.body).toMatchObject({ replace_original: false });
    expect(String(answer?.body.text)).toContain('Updated in Fxiaoke');

    // No response_url (the compose window, an edit synced automatically): a DM.
    jobs.carryOutHandedOffUpdate(claimed, { relayId: claimed.id, userId: SENDER });
    await d.settled();
    const [dm] = d.callsTo('chat.postMessage');
    expect(dm?.args).toMatchObject({ channel: SENDER });
    expect(textsOf(dm)).toContain('Updated in Fxiaoke');
  });

  it('hands an edit synced automatically to the worker (answered by DM there); a revoke after a delete stays here', async () => {
    const claimed = sentRecord({ status: 'revoking' });
    const deleted = sentRecord({ status: 'revoking' });
    const revoked = sentRecord({ id: deleted.id, status: 'revoked', revokedBy: SENDER });
    const updates: HandedOffUpdate[] = [];
    const revokes: HandedOffRevoke[] = [];
    const d = door(
      { carryOutRevoke: async () => ({ type: 'revoked', record: revoked }) },
      {
        handOff: {
          send: async () => undefined,
          revoke: async (revoke) => void revokes.push(revoke),
          update: async (update) => void updates.push(update),
        },
      },
    );
    d.ctx.jobs.sync.handle([
      { type: 'update', record: claimed },
      { type: 'revoke', record: deleted },
    ]);
    await d.settled();
    expect(updates).toEqual([{ relayId: claimed.id, userId: claimed.senderId }]);
    expect(d.relay.calls.map((call) => call.method)).not.toContain('sync.carryOutUpdate');
    // Its DM says why in words of its own, which only this process has: revoked here.
    expect(revokes).toEqual([]);
    expect(d.relay.calls.map((call) => call.method)).toContain('carryOutRevoke');
    const [dm] = d.callsTo('chat.postMessage');
    expect(textsOf(dm)).toContain('Your Slack message was deleted');
  });
});
