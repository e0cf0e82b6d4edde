/**
 * The database misbehaving under a burst while it stays up (the shared server, a database of this
 * file's own): a table locked past the statement timeout, and connections killed by the server.
 * Whatever happens, an acked command is sent exactly once, one answered "nothing was taken" is
 * never sent, what Fxiaoke did is written once the database answers again, and no relay is left
 * `received` or `pending`.
 */
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SignedPostResult } from '../../dev/fakes/slack-requests.js';
import { RELAY_STATUSES, type RelayRecord } from '../../src/relay/types.js';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';
import { Harness } from './harness.js';
import { eventually } from './replica-kit.js';

const SEND = '/cgi/app/message/send';
const NOT_TAKEN = 'nothing was taken';
const available = await postgresAvailable('PostgreSQL faults (e2e)');

describe.skipIf(!available)('PostgreSQL faults under a burst (real PostgreSQL)', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let harness: Harness | undefined;
  let admin: pg.Client | undefined;

  beforeAll(async () => {
    db = await TestDatabase.create('faults');
  });
  afterEach(async () => {
    await admin?.end().catch(() => undefined);
    admin = undefined;
    await harness?.close();
    harness = undefined;
    await db.query('TRUNCATE fxb_relays, fxb_tokens, fxb_rate_grants, fxb_rate_state, fxb_send_slots');
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function start(env: Record<string, string> = {}): Promise<Harness> {
    harness = await Harness.start({
      env: { STORE_URL: db.url, POSTGRES_POOL_SIZE: '4', LEASE_SECONDS: '3', ...env },
    });
    // Slow enough that sends are in flight when the fault strikes.
    harness.emulator.addFault({
      fault: { type: 'latency', ms: 150 },
      path: SEND,
      times: Number.POSITIVE_INFINITY,
    });
    return harness;
  }

  /** Sends `/fx-send` for each text at once; the acks, by text. */
  function burst(h: Harness, texts: string[]): Promise<{ text: string; ack: SignedPostResult }[]> {
    const [alice] = h.emulator.options.users;
    return Promise.all(
      texts.map(async (text) => ({ text, ack: (await h.command(`${alice!.openUserId} ${text}`)).response })),
    );
  }

  /** Every relay settled; each acked text sent exactly once, each refused one never; the relays. */
  async function settledExactlyOnce(
    h: Harness,
    sent: { text: string; ack: SignedPostResult }[],
  ): Promise<RelayRecord[]> {
    await eventually(
      async () => (await h.bridge.store.listByStatus(['received', 'pending', 'revoking'], 100)).length === 0,
      40_000,
    );
    const relays = await h.bridge.store.listByStatus(RELAY_STATUSES, 200);
    const byText = new Map(relays.map((relay) => [relay.text, relay]));
    for (const { text, ack } of sent) {
      expect(ack.status, text).toBe(200);
      const delivered = h.emulator.messages.filter((message) => message.content.endsWith(text));
      if (ack.body.includes(NOT_TAKEN)) {
        expect(delivered, text).toHaveLength(0);
        const record = byText.get(text);
        if (record) expect([record.status, record.error?.kind], text).toEqual(['failed', 'abandoned']);
      } else {
        expect(byText.get(text)?.status, text).toBe('sent');
        expect(delivered, text).toHaveLength(1);
      }
    }
    // Every message Fxiaoke holds is linked to its batch, with its message id.
    const batches = new Map(
      relays.flatMap((relay) => relay.batches.map((batch) => [batch.thirdTraceId, batch])),
    );
    for (const message of h.emulator.messages) {
      expect([
        batches.get(message.thirdTraceId)?.status,
        batches.get(message.thirdTraceId)?.messageId,
      ]).toEqual(['sent', message.messageId]);
    }
    return relays;
  }

  it('a table locked past the statement timeout: new commands are told "nothing was taken", work under way is written once it is free', async () => {
    const h = await start({ POSTGRES_STATEMENT_TIMEOUT_MS: '300' });
    const first = burst(
      h,
      Array.from({ length: 8 }, (_, n) => `before the lock ${n}`),
    );
    // Sends are at Fxiaoke: their answers will have to wait for the lock to be written.
    await eventually(async () => h.emulator.requestsTo(SEND).length >= 2, 20_000);
    admin = await db.client();
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE fxb_relays IN ACCESS EXCLUSIVE MODE');
    const during = await burst(
      h,
      Array.from({ length: 4 }, (_, n) => `during the lock ${n}`),
    );
    // Writes time out and are held back, retried until the lock goes.
    await eventually(
      async () => h.logLines.some((line) => line.includes('holding it back and retrying')),
      20_000,
    );
    const releasedAt = Date.now();
    await admin.query('COMMIT');
    const sent = [...(await first), ...during];

    expect(during.every(({ ack }) => ack.body.includes(NOT_TAKEN))).toBe(true);
    expect(h.logLines.join('\n')).toMatch(/canceling statement due to statement timeout/);
    const relays = await settledExactlyOnce(h, sent);
    // Fxiaoke answered while the table was locked; those answers were recorded after it was freed.
    expect(
      relays.some(
        (relay) =>
          relay.updatedAt >= releasedAt && relay.batches.some((batch) => (batch.sentAt ?? 0) < releasedAt),
      ),
    ).toBe(true);
  });

  it('connections killed by the server, round after round, during a burst: nothing stuck, nothing sent twice', async () => {
    const h = await start();
    admin = await db.client();
    const killer = admin;
    const killAll = async () =>
      (
        await killer.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'fx-bridge' AND pid <> pg_backend_pid()`,
        )
      ).rowCount ?? 0;
    const sending = burst(
      h,
      Array.from({ length: 16 }, (_, n) => `through the resets ${n}`),
    );
    let answered = false;
    void sending.then(() => {
      answered = true;
    });
    // Every connection of the bridge ended by the server, six rounds while the burst is taken and sent.
    // A round waits for two more sends, or for the burst to be answered: on a busy machine more
    // commands are told "nothing was taken", and fewer than twelve may ever be sent.
    let killed = 0;
    for (let round = 0; round < 6; round++) {
      await eventually(async () => answered || h.emulator.requestsTo(SEND).length >= round * 2, 20_000);
      killed += await killAll();
    }
    const sent = await sending;
    expect(killed).toBeGreaterThan(0);
    expect(sent.filter(({ ack }) => !ack.body.includes(NOT_TAKEN)).length).toBeGreaterThan(0);
    await settledExactlyOnce(h, sent);
  });
});
