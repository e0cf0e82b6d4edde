/**
 * One SQLite bridge process for the sections that measure a single bridge against its fakes
 * (sqlite-lock, flood): the emulator with three employees (a team alias), the fake Slack Web API,
 * no per-user send limit and no Fxiaoke rate budget to speak of, so only the bridge is measured.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FxiaokeEmulator, generateUsers } from '../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../dev/fakes/slack-api.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from '../test/e2e/harness.js';
import { BridgeProcess, bridgeEnv, freePort } from '../test/e2e/process-helpers.js';

export interface BenchWorld {
  emulator: FxiaokeEmulator;
  slack: FakeSlackApi;
  dir: string;
  /** Starts the bridge on `dbPath` (default: a file in `dir`) and waits until it is healthy. */
  startBridge(dbPath?: string): Promise<{ bridge: BridgeProcess; baseUrl: string }>;
  /** Kills the bridge if one was started, stops the fakes, removes `dir`. */
  close(): Promise<void>;
}

export async function startBenchWorld(name: string): Promise<BenchWorld> {
  const users = generateUsers(3);
  const emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
    // Revocable relays, as a tenant with a service account that answers message ids.
    messageIdLocation: 'top',
    users,
  });
  const slack = await FakeSlackApi.start();
  const dir = mkdtempSync(join(tmpdir(), `fx-bridge-bench-${name}-`));
  const configFile = join(dir, 'fx-bridge.yml');
  const members = users.map((user) => user.openUserId);
  writeFileSync(
    configFile,
    JSON.stringify({ aliases: { team: members }, limits: { sendsPerUserPerMinute: 0 } }),
  );
  let bridge: BridgeProcess | undefined;
  return {
    emulator,
    slack,
    dir,
    async startBridge(dbPath = join(dir, 'fx-bridge.db')) {
      const port = await freePort();
      const env = bridgeEnv({
        emulator,
        slack,
        port,
        configFile,
        storeUrl: `sqlite:${dbPath}`,
        extra: {
          LOG_LEVEL: 'warn',
          FXIAOKE_RATE_LIMIT_CALLS: '100000',
          FXIAOKE_RATE_LIMIT_WINDOW_MS: '1000',
        },
      });
      const baseUrl = `http://127.0.0.1:${port}`;
      bridge = BridgeProcess.spawn(['src/main.ts'], env);
      await bridge.healthy(baseUrl, 20_000);
      return { bridge, baseUrl };
    },
    async close() {
      await bridge?.kill('SIGKILL');
      await slack.stop();
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
