/**
 * RELAY_WORKERS=none with real processes: a receiver (`src/main.ts`) that records, acks and hands
 * off, and `fx-bridge worker` processes apart on the same SQLite file. Nothing is sent until a
 * worker runs; a worker killed with SIGKILL half way is replaced by another, which takes over what
 * the dead one held once its leases ran out: every acked command reaches Fxiaoke once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { SENDER_ID, sendSlashCommand, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { HANDED_OFF } from '../../src/relay/lease.js';
import { IN_WORK } from '../../src/relay/lifecycle.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { waitFor } from '../poll.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';

const SEND = '/cgi/app/message/send';
const COMMANDS = 20;

let emulator: FxiaokeEmulator | undefined;
let slack: FakeSlackApi | undefined;
let dir: string | undefined;
const children = new BridgeProcesses();

afterEach(async () => {
  await children.killAll();
  await slack?.stop();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  slack = undefined;
  emulator = undefined;
  dir = undefined;
});

async function relays(dbPath: string): Promise<RelayRecord[]> {
  const store = openSqliteStore({ path: dbPath });
  try {
    return await store.listBySender(SENDER_ID, 1_000);
  } finally {
    await store.close();
  }
}

describe('RELAY_WORKERS=none with fx-bridge worker (child processes)', () => {
  it('hands every acked command to the workers, and a worker killed half way loses and repeats none', async () => {
    const [user] = generateUsers(1);
    emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      messageIdLocation: 'top',
      users: user ? [user] : [],
    });
    emulator.addFault({ fault: { type: 'latency', ms: 150 }, path: SEND, times: Number.POSITIVE_INFINITY });
    slack = await FakeSlackApi.start();
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-workers-apart-'));
    const dbPath = join(dir, 'fx-bridge.db');
    const configFile = join(dir, 'fx-bridge.yml');
    writeFileSync(configFile, 'limits:\n  sendsPerUserPerMinute: 0\n');
    const port = await freePort();
    const env = bridgeEnv({
      emulator,
      slack,
      port,
      configFile,
      storeUrl: `sqlite:${dbPath}`,
      // Short leases: a dead worker's relays are taken over within seconds.
      extra: { RELAY_WORKERS: 'none', RELAY_CONCURRENCY: '2', LEASE_SECONDS: '2' },
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    const receiver = children.start(['src/main.ts'], env);
    await receiver.healthy(baseUrl);

    const texts = Array.from({ length: COMMANDS }, (_, n) => `handed apart ${n}`);
    const acks = await Promise.all(
      texts.map((text) =>
        sendSlashCommand(`${baseUrl}/slack/events`, TEST_SIGNING_SECRET, {
          text: `${user?.openUserId} ${text}`,
          response_url: slack!.responseUrl(),
        }),
      ),
    );
    expect(acks.map((ack) => ack.status)).toEqual(texts.map(() => 200));
    // Recorded and handed off; no worker runs yet, so nothing went out.
    await waitFor(
      async () => {
        const all = await relays(dbPath);
        expect(all.filter((record) => record.lease?.owner === HANDED_OFF)).toHaveLength(COMMANDS);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(emulator.requestsTo(SEND)).toHaveLength(0);

    const first = children.start(['src/cli.ts', 'worker'], env);
    const fx = emulator;
    await slack.waitFor(() => fx.requestsTo(SEND).length >= COMMANDS / 4, 20_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const second = children.start(['src/cli.ts', 'worker'], env);
    await waitFor(
      async () => {
        const all = await relays(dbPath);
        expect(all.filter((record) => IN_WORK.includes(record.status))).toEqual([]);
      },
      { timeout: 60_000, interval: 200 },
    );
    const records = await relays(dbPath);
    expect(records).toHaveLength(COMMANDS);
    for (const text of texts) {
      const record = records.find((each) => each.text === text);
      const arrived = fx.messages.filter((message) => message.content.endsWith(text)).length;
      if (record?.status === 'unknown') expect(arrived, text).toBeLessThanOrEqual(1);
      else {
        expect(record?.status, text).toBe('sent');
        expect(arrived, text).toBe(1);
      }
    }
    // The receiver called Fxiaoke for none of them.
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).not.toMatch(/^fxbridge_fxiaoke_calls_total\{[^}]*\} [1-9]/m);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });
    receiver.child.kill('SIGTERM');
    expect(await receiver.exited, receiver.output).toEqual({ code: 0, signal: null });
  }, 120_000);
});
