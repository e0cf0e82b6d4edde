/**
 * The demo's world, all on loopback: the Fxiaoke emulator with a few fake employees, the fake Slack
 * Web API (it also serves the response_urls), and the real bridge in HTTP mode on a throwaway SQLite
 * file. Slack's side of a conversation is played with signed requests (dev/fakes/slack-requests.ts),
 * exactly as Slack sends them, so everything from the signature check on is the bridge's own code.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bridge, startBridge } from '../../src/bridge.js';
import { loadConfig } from '../../src/config.js';
import {
  type EmulatorDepartment,
  type EmulatorUser,
  FxiaokeEmulator,
  generateUsers,
  type RecordedRequest,
  ROOT_DEPARTMENT_ID,
} from '../fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../fakes/slack-api.js';

/** Made-up credentials: the emulator accepts exactly these, nothing real is ever used. */
const DEMO = {
  botToken: 'xoxb-demo-bot-token-not-real',
  signingSecret: 'demo-signing-secret-not-real-0000',
  appSecret: 'demo-app-secret-not-real',
  permanentCode: 'demo-permanent-code-not-real',
  serviceId: 'FSAID_demo0001',
} as const;

/** Names a visitor can tell apart; employee ids 1000, 1001, … as the emulator numbers them. */
const NAMES = ['Wang Fang', 'Li Na', 'Zhang Wei', 'Liu Yang'];

/** Two departments, for `dept:` sends: Sales (Wang Fang, Li Na) and Support (the other two). */
export const DEMO_DEPARTMENTS: EmulatorDepartment[] = [
  { id: 1101, name: 'Sales', parentId: ROOT_DEPARTMENT_ID },
  { id: 1102, name: 'Support', parentId: ROOT_DEPARTMENT_ID },
];

function demoUsers(): EmulatorUser[] {
  return generateUsers(NAMES.length, 'Demo').map((user, index) => ({
    ...user,
    name: NAMES[index] ?? user.name,
    departmentIds: [index < 2 ? 1101 : 1102],
  }));
}

export interface World {
  emulator: FxiaokeEmulator;
  slack: FakeSlackApi;
  bridge: Bridge;
  signingSecret: string;
  eventsUrl: string;
  /** The bridge's own log (JSON lines), kept out of the demo's output. */
  logFile: string;
  stop(): Promise<void>;
}

export interface WorldOptions {
  /** Told about every Fxiaoke API call the emulator answered. */
  onFxiaokeCall?: (request: RecordedRequest) => void;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-demo-'));
  const emulator = await FxiaokeEmulator.start({
    appSecret: DEMO.appSecret,
    permanentCode: DEMO.permanentCode,
    serviceIds: [DEMO.serviceId],
    users: demoUsers(),
    departments: DEMO_DEPARTMENTS,
    // The real gateway documents no message id; the demo shows Revoke, so its emulator returns one.
    messageIdLocation: 'top',
    ...(options.onFxiaokeCall ? { onRequest: options.onFxiaokeCall } : {}),
  });
  const slack = await FakeSlackApi.start();
  const logFile = join(dir, 'fx-bridge.log');
  const log = createWriteStream(logFile);
  let bridge: Bridge;
  try {
    const config = loadConfig({
      SLACK_MODE: 'http',
      SLACK_BOT_TOKEN: DEMO.botToken,
      SLACK_SIGNING_SECRET: DEMO.signingSecret,
      SLACK_API_URL: slack.url,
      PORT: '0',
      FXIAOKE_BASE_URL: emulator.url,
      FXIAOKE_APP_ID: emulator.options.appId,
      FXIAOKE_APP_SECRET: DEMO.appSecret,
      FXIAOKE_PERMANENT_CODE: DEMO.permanentCode,
      FXIAOKE_USER_ID: emulator.options.users[0]?.employeeId ?? '1000',
      FXIAOKE_SERVICE_ID: DEMO.serviceId,
      STORE_URL: `sqlite:${join(dir, 'fx-bridge.db')}`,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    });
    bridge = await startBridge(config, { logDestination: log });
  } catch (error) {
    log.end();
    await Promise.allSettled([slack.stop(), emulator.stop()]);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    emulator,
    slack,
    bridge,
    signingSecret: DEMO.signingSecret,
    eventsUrl: `http://127.0.0.1:${bridge.port}/slack/events`,
    logFile,
    stop() {
      stopped ??= (async () => {
        await bridge.stop();
        await Promise.allSettled([slack.stop(), emulator.stop()]);
        await new Promise<void>((resolve) => log.end(() => resolve()));
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
