/**
 * With a PostgreSQL store the bridge keeps everything replicas share in that database and nowhere
 * else (no Redis): the map, the Fxiaoke token, the rate budget and the per-user send limit. A
 * restart (another replica, as far as the database can tell) reuses the token and still counts
 * the sender's relays.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';
import { Harness } from './harness.js';

const available = await postgresAvailable('bridge on a PostgreSQL store (shared Fxiaoke state)');

describe.skipIf(!available)('bridge on a PostgreSQL store (real PostgreSQL)', () => {
  let db: TestDatabase;
  let harness: Harness | undefined;

  beforeAll(async () => {
    db = await TestDatabase.create('e2e_shared');
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('keeps the token, the send budget and the send limit in the database; a restart fetches no new token and still counts', async () => {
    harness = await Harness.start({
      env: { STORE_URL: db.url, FXIAOKE_RATE_LIMIT_CALLS: '50', POSTGRES_POOL_SIZE: '3' },
      fileConfig: 'limits:\n  sendsPerUserPerMinute: 2\n',
    });
    const h = harness;
    const [alice] = h.emulator.options.users;
    const before = h.slack.messages.length;
    await h.command(`${alice!.openUserId} hello through PostgreSQL`);
    const receipt = await h.receiptAfter(before);
    const relay = await h.settledRelayFor(receipt);
    expect(relay.status).toBe('sent');

    const { rows: relays } = await db.query('SELECT id, status FROM fxb_relays');
    expect(relays).toEqual([{ id: relay.id, status: 'sent' }]);
    const { rows: tokens } = await db.query<{ scope: string; token: string }>(
      'SELECT scope, token FROM fxb_tokens',
    );
    expect(tokens.map((row) => row.scope)).toEqual([`header:${h.emulator.options.appId}`]);
    const { rows: paths } = await db.query('SELECT DISTINCT path FROM fxb_rate_grants ORDER BY path');
    expect(paths.map((row) => row.path)).toEqual(
      expect.arrayContaining(['/cgi/app/message/send', '/oauth2.0/token']),
    );
    const { rows: slots } = await db.query('SELECT user_id FROM fxb_send_slots');
    expect(slots).toEqual([{ user_id: 'U0SENDER' }]);
    // The token itself never reaches a log line.
    expect(tokens[0]?.token).toBeTruthy();
    expect(h.logLines.join('\n')).not.toContain(tokens[0]!.token);

    await h.restart();
    const again = h.slack.messages.length;
    await h.command(`${alice!.openUserId} hello again`);
    await h.settledRelayFor(await h.receiptAfter(again));
    expect(h.emulator.tokenFetches()).toBe(1);
    expect(h.logLines.some((line) => line.includes('"source":"shared"'))).toBe(true);
    const third = await h.command(`${alice!.openUserId} over the limit`);
    expect((await h.responsesTo(third.responseUrl))[0]).toContain(
      'you have started 2 relays in the last minute',
    );
    expect(h.emulator.messages).toHaveLength(2);
  });

  it('counts as a store replicas share: a live lease of another process is left alone', async () => {
    harness = await Harness.start({ env: { STORE_URL: db.url, POSTGRES_POOL_SIZE: '3' } });
    expect(harness.bridge.relay.exclusiveStore).toBe(false);
    const started = harness.logLines.find((line) => line.includes('fx-bridge started'));
    expect(started).toContain(`"store":"postgres://127.0.0.1:5432/${db.name}"`);
  });
});
