/**
 * The fixture of the tests that run the bridge as child processes on one SQLite file: the Fxiaoke
 * emulator (its send endpoint slowed, so work is still under way when a process is killed), the
 * fake Slack, a temporary directory with the config file and the database, and the children's
 * environment. `close()` kills the children and removes everything.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type EmulatorUser, FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { SENDER_ID, sendSlashCommand, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { IN_WORK } from '../../src/relay/lifecycle.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';

export const SEND = '/cgi/app/message/send';

export interface ProcessWorldOptions {
  /** Employees the emulator knows (generated). */
  users: number;
  /** Latency of every send call (ms); none when absent. */
  sendLatencyMs?: number;
  /** Extra environment of every child (RELAY_WORKERS, budgets, leases…). */
  env?: Record<string, string>;
  /** Prefix of the temporary directory's name. */
  name: string;
}

export class ProcessWorld {
  readonly children = new BridgeProcesses();
  readonly dbPath: string;
  readonly baseUrl: string;
  readonly eventsUrl: string;

  private constructor(
    readonly emulator: FxiaokeEmulator,
    readonly slack: FakeSlackApi,
    readonly users: EmulatorUser[],
    readonly env: Record<string, string>,
    private readonly dir: string,
    port: number,
  ) {
    this.dbPath = join(dir, 'fx-bridge.db');
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.eventsUrl = `${this.baseUrl}/slack/events`;
  }

  static async open(options: ProcessWorldOptions): Promise<ProcessWorld> {
    const users = generateUsers(options.users);
    const emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      // Service-account sends with a top-level message id: relays can be revoked.
      messageIdLocation: 'top',
      users,
    });
    if (options.sendLatencyMs !== undefined) {
      emulator.addFault({
        fault: { type: 'latency', ms: options.sendLatencyMs },
        path: SEND,
        times: Number.POSITIVE_INFINITY,
      });
    }
    const slack = await FakeSlackApi.start();
    const dir = mkdtempSync(join(tmpdir(), `fx-bridge-${options.name}-`));
    // One sender sends every command of a test: no per-user limit in the way.
    const configFile = join(dir, 'fx-bridge.yml');
    writeFileSync(configFile, 'limits:\n  sendsPerUserPerMinute: 0\n');
    const port = await freePort();
    const env = bridgeEnv({
      emulator,
      slack,
      port,
      configFile,
      storeUrl: `sqlite:${join(dir, 'fx-bridge.db')}`,
      extra: options.env ?? {},
    });
    return new ProcessWorld(emulator, slack, users, env, dir, port);
  }

  /** `/fx-send <to: the first employee unless given> <text>`, signed, with a fresh response_url. */
  command(text: string, to = this.users[0]?.openUserId): ReturnType<typeof sendSlashCommand> {
    return sendSlashCommand(this.eventsUrl, TEST_SIGNING_SECRET, {
      text: `${to} ${text}`,
      response_url: this.slack.responseUrl(),
    });
  }

  /** The relays of the test's sender, read from the file as another process would. */
  async relays(): Promise<RelayRecord[]> {
    const store = openSqliteStore({ path: this.dbPath });
    try {
      return await store.listBySender(SENDER_ID, 1_000);
    } finally {
      await store.close();
    }
  }

  async close(): Promise<void> {
    await this.children.killAll();
    await this.slack.stop();
    await this.emulator.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Each text reached Fxiaoke at most once; exactly once unless its relay says it may have. */
export function expectSentOnce(fx: FxiaokeEmulator, records: RelayRecord[], texts: string[]): void {
  expect(records).toHaveLength(texts.length);
  const unknown = records.filter((record) => record.status === 'unknown').length;
  console.info(`burst of ${texts.length}: ${unknown} may have been delivered (a call under way at the kill)`);
  for (const text of texts) {
    const arrived = fx.messages.filter((message) => message.content.endsWith(text)).length;
    const record = records.find((each) => each.text === text);
    expect(record, text).toBeDefined();
    expect(IN_WORK, text).not.toContain(record?.status);
    if (record?.status === 'unknown') expect(arrived, text).toBeLessThanOrEqual(1);
    else {
      expect(record?.status, `${text}: ${JSON.stringify(record?.error)}`).toBe('sent');
      expect(arrived, text).toBe(1);
    }
  }
}
