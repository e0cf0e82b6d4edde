/**
 * Limits, through signed requests: the per-user send rate (limits.sendsPerUserPerMinute), the
 * message length (maxMessageLength) and the recipient count (maxRecipients), each refused with a
 * clear answer at /fx-send and inline in the compose window, nothing sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  connect,
  deleteKeysUnder,
  keysUnder,
  prefixes,
  REDIS_URL,
  redisAvailable,
} from '../redis-helpers.js';
import { Harness, TEAM_ID } from './harness.js';
import { type SlackView, submitModal } from './people-requests.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const COMPOSE: SlackView = {
  callback_id: 'fx_send_modal',
  private_metadata: JSON.stringify({ teamId: TEAM_ID, channelId: 'C0TEST' }),
  blocks: [],
};

function ids(h: Harness, count: number): string[] {
  return h.emulator.options.users.slice(0, count).map((user) => user.openUserId);
}

async function sendOne(h: Harness, text: string, userId?: string): Promise<void> {
  const before = h.slack.messages.length;
  await h.command(text, userId ? { user_id: userId } : {});
  expect((await h.settledRelayFor(await h.receiptAfter(before))).status).toBe('sent');
}

describe('per-user send limit', () => {
  it('refuses the third relay in a minute with the wait; another user is not affected', async () => {
    const h = await Harness.start({ fileConfig: 'limits:\n  sendsPerUserPerMinute: 2\n' });
    harness = h;
    const [to] = ids(h, 1);
    await sendOne(h, `${to} one`);
    await sendOne(h, `${to} two`);

    const third = await h.command(`${to} three`);
    expect((await h.responsesTo(third.responseUrl))[0]).toMatch(
      /Nothing was sent: you have started 2 relays in the last minute, the most fx-bridge allows per person\. Try again in (59|60) s\./,
    );
    const inline = await submitModal(h, COMPOSE, { recipients: [to!], text: 'from the window' });
    expect(inline.json).toMatchObject({
      response_action: 'errors',
      errors: {
        message: expect.stringMatching(/^You have started 2 relays .* Wait \d+ s and press Send again\.$/),
      },
    });
    const bare = await h.command('');
    expect((await h.responsesTo(bare.responseUrl))[0]).toContain('Try again in');

    await sendOne(h, `${to} from someone else`, 'U0OTHER');
    expect(h.emulator.messages.map((message) => message.content.split('\n').at(-1))).toEqual([
      'one',
      'two',
      'from someone else',
    ]);
    const stored = await h.bridge.store.listBySender('U0SENDER', 10);
    expect(stored.filter((record) => record.status === 'sent')).toHaveLength(2);
  });

  it('counts neither refused requests nor repeats of a handled one', async () => {
    const h = await Harness.start({ fileConfig: 'limits:\n  sendsPerUserPerMinute: 1\n' });
    harness = h;
    const [to] = ids(h, 1);
    const refused = await h.command('nosuchalias hello');
    expect((await h.responsesTo(refused.responseUrl))[0]).toContain('nosuchalias');
    const trigger = '1000000001.1700000000.abcdef0123456789';
    await h.command(`${to} the one that counts`, { trigger_id: trigger });
    await h.settledRelayFor(await h.receiptAfter(0));
    // The same request delivered again: told it was handled, not that the limit is reached.
    const repeat = await h.command(`${to} the one that counts`, { trigger_id: trigger });
    expect((await h.responsesTo(repeat.responseUrl))[0]).toContain('already handled');
    expect(h.emulator.messages).toHaveLength(1);
  });
});

const redis = await redisAvailable('per-user send limit on a Redis store (e2e)');

describe.skipIf(!redis)('per-user send limit on a Redis store (real Redis)', () => {
  it('is kept in Redis, so a restart (another replica, as far as Redis can tell) still counts it', async () => {
    const keys = prefixes('e2e-sendrate');
    const prefix = keys.fresh();
    const admin = connect();
    try {
      const h = await Harness.start({
        env: { STORE_URL: REDIS_URL, REDIS_KEY_PREFIX: prefix },
        fileConfig: 'limits:\n  sendsPerUserPerMinute: 1\n',
      });
      harness = h;
      const [to] = ids(h, 1);
      await sendOne(h, `${to} counted in Redis`);
      expect(await keysUnder(admin, `${prefix}sendrate:`)).toEqual([`${prefix}sendrate:{U0SENDER}`]);
      await h.restart();
      const again = await h.command(`${to} over the limit`);
      expect((await h.responsesTo(again.responseUrl))[0]).toContain(
        'you have started 1 relay in the last minute',
      );
      expect(h.emulator.messages).toHaveLength(1);
    } finally {
      await harness?.close();
      harness = undefined;
      await deleteKeysUnder(admin, keys.run);
      await admin.quit();
    }
  });
});

describe('input limits', () => {
  const FILE = 'maxMessageLength: 20\nmaxRecipients: 2\n';

  it('/fx-send: a message too long and too many recipients, each with the number and the limit', async () => {
    const h = await Harness.start({ fileConfig: FILE });
    harness = h;
    const long = await h.command(`${ids(h, 1)[0]} ${'x'.repeat(25)}`);
    expect((await h.responsesTo(long.responseUrl))[0]).toBe(
      ':warning: The message is 25 characters long; the limit is 20. Shorten it and try again.',
    );
    const many = await h.command(`${ids(h, 3).join(',')} hello`);
    const answer = (await h.responsesTo(many.responseUrl))[0]!;
    expect(answer).toContain('Nothing was sent');
    expect(answer).toContain('that is 3 recipients; one relay may have at most 2');
    expect(h.emulator.messages).toHaveLength(0);
  });

  it('a long list of recipients is not quoted back in full', async () => {
    const h = await Harness.start({ fileConfig: FILE });
    harness = h;
    const list = ids(h, 6);
    const many = await h.command(`${list.join(',')} hello`);
    const answer = (await h.responsesTo(many.responseUrl))[0]!;
    expect(answer).toContain(`${list[0]},${list[1]},… (6 entries)\`: that is 6 recipients`);
    expect(answer).not.toContain(list[5]!);
  });

  it('the compose window: both inline, on the field to fix', async () => {
    const h = await Harness.start({ fileConfig: FILE });
    harness = h;
    const long = await submitModal(h, COMPOSE, { recipients: ids(h, 1), text: 'y'.repeat(21) });
    expect(long.json).toEqual({
      response_action: 'errors',
      errors: { message: 'The message is 21 characters long; the limit is 20.' },
    });
    const many = await submitModal(h, COMPOSE, { recipients: ids(h, 3), text: 'hello' });
    expect(many.json).toMatchObject({
      response_action: 'errors',
      errors: { recipients: expect.stringContaining('that is 3 recipients; one relay may have at most 2') },
    });
    // The bridge's own "done": nothing it was handed is still queued or running.
    await h.bridge.slack.jobs.idle();
    expect(h.emulator.messages).toHaveLength(0);
    expect(
      (await h.bridge.store.listRecent(10)).every(
        (record) => record.status === 'failed' && record.batches.length === 0,
      ),
    ).toBe(true);
  });
});
