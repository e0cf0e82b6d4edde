/**
 * A routed message killed with SIGKILL between its ack and its send, in a real child process: the
 * ack promised it, so the next start takes the recorded relay over and sends it, once, even when
 * Slack delivers the event again. The emulator and the fake Slack API run in this test process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { departmentCompany, FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { postSigned, TEAM_ID, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';
import { eventCallback } from './sync-requests.js';

const SALES = 'C0SALES';
const TS = '1700200000.000100';
const DEPARTMENTS = '/cgi/department/list';

let cleanup: (() => Promise<void>) | undefined;
const children = new BridgeProcesses();
afterEach(async () => {
  await children.killAll();
  await cleanup?.();
  cleanup = undefined;
});

async function relayIn(dbPath: string): Promise<RelayRecord[]> {
  const store = openSqliteStore({ path: dbPath });
  try {
    return (await store.listRecent(10)).filter(
      (record) => record.requestKey === `message:${TEAM_ID}:${SALES}:${TS}`,
    );
  } finally {
    await store.close();
  }
}

describe('a routed message killed between its ack and its send', () => {
  it('is sent once by the next start (takeover), however often Slack delivers it', async () => {
    const company = departmentCompany();
    const emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      messageIdLocation: 'top',
      users: company.users,
      departments: company.departments,
    });
    const slack = await FakeSlackApi.start();
    const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-routes-process-'));
    cleanup = async () => {
      await slack.stop();
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    slack.addUser({ id: 'U0AUTHOR', name: 'ana' });
    slack.setChannelName(SALES, 'sales');
    const configFile = join(dir, 'fx-bridge.yml');
    writeFileSync(configFile, `routes:\n  ${SALES}:\n    to: ["dept:Shanghai"]\n    forward: all\n`);
    const dbPath = join(dir, 'data', 'fx-bridge.db');
    const port = await freePort();
    const env = bridgeEnv({ emulator, slack, port, configFile, storeUrl: `sqlite:${dbPath}` });
    const baseUrl = `http://127.0.0.1:${port}`;
    const eventsUrl = `${baseUrl}/slack/events`;
    const first = children.start(['src/main.ts'], env);
    await first.healthy(baseUrl);

    // Carrying it out stops at the department list, before anything is sent; then the process dies.
    emulator.addFault({ fault: { type: 'latency', ms: 30_000 }, path: DEPARTMENTS, times: 1 });
    const body = JSON.stringify(
      eventCallback({
        type: 'message',
        channel: SALES,
        user: 'U0AUTHOR',
        text: 'Acked, then killed',
        ts: TS,
        team: TEAM_ID,
      }),
    );
    const deliver = (headers: Record<string, string> = {}) =>
      postSigned(eventsUrl, body, {
        signingSecret: TEST_SIGNING_SECRET,
        contentType: 'application/json',
        headers,
      });
    expect((await deliver()).status).toBe(200);
    await slack.waitFor(() => emulator.requestsTo(DEPARTMENTS).length === 1 || undefined, 15_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const killed = await relayIn(dbPath);
    expect(killed.map((record) => record.status)).toEqual(['received']);
    expect(emulator.messages).toHaveLength(0);

    // The next start finds the relay the ack promised and carries it out; Slack's retry finds it taken.
    emulator.clearFaults();
    const second = children.start(['src/main.ts'], env);
    await second.healthy(baseUrl);
    expect((await deliver({ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })).status).toBe(
      200,
    );
    await slack.waitFor(() => emulator.messages.length === 1 || undefined, 15_000);
    await expect
      .poll(async () => (await relayIn(dbPath))[0]?.status, { timeout: 15_000, interval: 50 })
      .toBe('sent');
    const after = await relayIn(dbPath);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ status: 'sent', senderId: 'U0AUTHOR' });
    expect(emulator.messages[0]?.content).toBe('ana (Slack, sales):\nAcked, then killed');
    expect(emulator.messages[0]?.toUser).toHaveLength(2);
    // Still one, once the second delivery is handled too.
    await second.kill('SIGTERM');
    expect(emulator.requestsTo('/cgi/app/message/send')).toHaveLength(1);
  }, 60_000);
});
