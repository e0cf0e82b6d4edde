/**
 * The bridge process on a SQLite file while another process holds the file's write lock (as a
 * `sqlite3` shell in BEGIN IMMEDIATE or a backup tool would): `/healthz` and `/metrics` answer
 * before the lock is released, and every command sent during the lock is relayed exactly once
 * after it. Ack timing is not asserted here (see `npm run bench -- --only sqlite-lock`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { SENDER_ID, sendSlashCommand, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { SqliteLockHolder } from '../sqlite-lock.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';

const DURING_LOCK = 3;

let emulator: FxiaokeEmulator | undefined;
let slack: FakeSlackApi | undefined;
let holder: SqliteLockHolder | undefined;
let dir: string | undefined;
const children = new BridgeProcesses();

afterEach(async () => {
  await holder?.kill();
  await children.killAll();
  await slack?.stop();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  holder = slack = emulator = dir = undefined;
});

describe('the bridge process while another process holds the SQLite write lock', () => {
  it('answers /healthz and /metrics during the lock and relays every command exactly once after it', async () => {
    const users = generateUsers(3);
    emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      users,
    });
    slack = await FakeSlackApi.start();
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-lock-e2e-'));
    const configFile = join(dir, 'fx-bridge.yml');
    writeFileSync(configFile, `aliases:\n  team: [${users.map((user) => user.openUserId).join(', ')}]\n`);
    const dbPath = join(dir, 'fx-bridge.db');
    const port = await freePort();
    const env = bridgeEnv({ emulator, slack, port, configFile, storeUrl: `sqlite:${dbPath}` });
    const baseUrl = `http://127.0.0.1:${port}`;
    const eventsUrl = `${baseUrl}/slack/events`;
    const bridge = children.start(['src/main.ts'], env);
    await bridge.healthy(baseUrl);
    const em = emulator;
    const sl = slack;

    // One relay first, so the address book is cached and nothing slow runs before the store write.
    await sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
      text: 'team warm-up',
      response_url: sl.responseUrl(),
    });
    await sl.waitFor(() => em.messages.length === 1);

    holder = await SqliteLockHolder.start(dbPath);
    await holder.lock();
    const acks = Array.from({ length: DURING_LOCK }, (_, i) =>
      sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
        text: `team during the lock ${i}`,
        response_url: sl.responseUrl(),
      }),
    );
    // Each answer arrives while the other process still holds the lock: it is released below.
    for (let round = 0; round < 10; round += 1) {
      const health = await fetch(`${baseUrl}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await fetch(`${baseUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('fxbridge_');
    }
    // Nothing reached Fxiaoke while the relays could not be recorded.
    expect(em.messages).toHaveLength(1);

    await holder.release();
    for (const ack of await Promise.all(acks)) expect(ack.status).toBe(200);
    await sl.waitFor(() => em.messages.length >= 1 + DURING_LOCK, 15_000);
    bridge.child.kill('SIGTERM');
    expect(await bridge.exited, bridge.output).toEqual({ code: 0, signal: null });

    const contents = em.messages.map((message) => message.content);
    for (let i = 0; i < DURING_LOCK; i += 1) {
      expect(contents.filter((content) => content.includes(`during the lock ${i}`))).toHaveLength(1);
    }
    expect(em.messages).toHaveLength(1 + DURING_LOCK);
    const store = openSqliteStore({ path: dbPath });
    try {
      const relays = await store.listBySender(SENDER_ID, 10);
      expect(relays.map((relay) => relay.status)).toEqual(Array(1 + DURING_LOCK).fill('sent'));
    } finally {
      await store.close();
    }
    expect(bridge.output).not.toContain('database is locked');
  });
});
