/**
 * Starts the whole thing on loopback: the Fxiaoke emulator, the fake Slack Web API, and the real
 * bridge (real Bolt app in HTTP mode, real SQLite file), wired through the real config loader.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { vi } from 'vitest';
import { type EmulatorOptions, FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import {
  BOT_ID,
  BOT_USER_ID,
  blockActionPayload,
  CHANNEL_ID,
  messageShortcutPayload,
  SENDER_ID,
  type SlashCommandFields,
  sendInteraction,
  sendSlashCommand,
  TEAM_ID,
  TEST_SIGNING_SECRET,
} from '../../dev/fakes/slack-requests.js';
import { type Bridge, startBridge } from '../../src/bridge.js';
import { loadConfig } from '../../src/config.js';
import type { RelayRecord } from '../../src/relay/types.js';

export const BOT_TOKEN = 'xoxb-test-bot-token-0123456789abcdef';
export const APP_SECRET = 'emulated-app-secret-5f1c9e7a';
export const PERMANENT_CODE = 'emulated-permanent-code-77aa31';
export const SERVICE_ID = 'FSAID_svc0001';

/** The bridge's Fxiaoke settings for the emulator (service account on, header auth as user 1000). */
export function emulatorEnv(emulator: FxiaokeEmulator, timeoutMs = 2000): Record<string, string> {
  return {
    FXIAOKE_BASE_URL: emulator.url,
    FXIAOKE_APP_ID: emulator.options.appId,
    FXIAOKE_APP_SECRET: APP_SECRET,
    FXIAOKE_PERMANENT_CODE: PERMANENT_CODE,
    FXIAOKE_USER_ID: '1000',
    FXIAOKE_SERVICE_ID: SERVICE_ID,
    FXIAOKE_TIMEOUT_MS: String(timeoutMs),
  };
}

export interface HarnessOptions {
  emulator?: EmulatorOptions;
  /** Extra or overriding environment variables; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** YAML written to a file and passed as FX_BRIDGE_CONFIG. */
  fileConfig?: string;
  /** The bridge's clock (records, leases, quiet periods); default Date.now. */
  now?: () => number;
}

export class Harness {
  readonly logLines: string[] = [];
  bridge!: Bridge;
  private constructor(
    readonly emulator: FxiaokeEmulator,
    readonly slack: FakeSlackApi,
    readonly dir: string,
    readonly env: Record<string, string | undefined>,
    private readonly now?: () => number,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      // These suites exercise revoke: a tenant whose service-account send returns a top-level id.
      // The emulator's default is the documented answer (no id); tests of that pass 'none'.
      messageIdLocation: 'top',
      ...options.emulator,
    });
    const slack = await FakeSlackApi.start();
    const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-e2e-'));
    const env: Record<string, string | undefined> = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_MODE: 'http',
      SLACK_API_URL: slack.url,
      PORT: '0',
      ...emulatorEnv(emulator),
      STORE_URL: `sqlite:${join(dir, 'data', 'fx-bridge.db')}`,
      LOG_LEVEL: 'debug',
      ...options.env,
    };
    if (options.fileConfig !== undefined) {
      const path = join(dir, 'fx-bridge.yml');
      writeFileSync(path, options.fileConfig);
      env.FX_BRIDGE_CONFIG = path;
    }
    const harness = new Harness(emulator, slack, dir, env, options.now);
    await harness.startBridge();
    return harness;
  }

  private async startBridge(): Promise<void> {
    const lines = this.logLines;
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    });
    this.bridge = await startBridge(loadConfig(this.env), {
      logDestination: destination,
      botId: BOT_ID,
      botUserId: BOT_USER_ID,
      sleep: () => Promise.resolve(),
      ...(this.now ? { now: this.now } : {}),
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.bridge.port}`;
  }

  get eventsUrl(): string {
    return `${this.baseUrl}/slack/events`;
  }

  /** Stops the bridge process-equivalent and starts a new one on the same SQLite file. */
  async restart(): Promise<void> {
    await this.bridge.stop();
    await this.startBridge();
  }

  /**
   * The relay a receipt belongs to, once it has settled. The receipt reaches Slack a moment
   * before the relay is keyed to it and finished, so poll rather than read once.
   */
  async settledRelayFor(receipt: { channel: string; ts: string }, timeoutMs = 5000): Promise<RelayRecord> {
    const ref = { teamId: TEAM_ID, channelId: receipt.channel, ts: receipt.ts };
    return vi.waitFor(
      async () => {
        const record = await this.bridge.store.findBySlackMessage(ref);
        if (record && record.status !== 'pending') return record;
        throw new Error(
          `no settled relay for receipt ${receipt.channel}/${receipt.ts} (found: ${record?.status})`,
        );
      },
      { timeout: timeoutMs, interval: 10 },
    );
  }

  /** Sends `/fx-send <text>` with a fresh response_url; returns it and the HTTP answer. */
  async command(text: string, fields: Partial<SlashCommandFields> = {}) {
    const responseUrl = this.slack.responseUrl();
    const response = await sendSlashCommand(this.eventsUrl, TEST_SIGNING_SECRET, {
      text,
      response_url: responseUrl,
      ...fields,
    });
    return { response, responseUrl };
  }

  /** Waits for the next receipt posted by chat.postMessage after `since` calls. */
  async receiptAfter(since: number) {
    return this.slack.waitFor(() => this.slack.messages.slice(since).find((message) => message.text));
  }

  async revokeByShortcut(channelId: string, ts: string, userId = SENDER_ID) {
    const responseUrl = this.slack.responseUrl();
    const response = await sendInteraction(
      this.eventsUrl,
      TEST_SIGNING_SECRET,
      messageShortcutPayload({
        callbackId: 'fx_revoke_message',
        userId,
        channelId,
        message: { ts, text: 'receipt', bot_id: BOT_ID },
        responseUrl,
      }),
    );
    return { response, responseUrl };
  }

  async revokeByButton(relayId: string, channelId: string, ts: string, userId = SENDER_ID) {
    const responseUrl = this.slack.responseUrl();
    const response = await sendInteraction(
      this.eventsUrl,
      TEST_SIGNING_SECRET,
      blockActionPayload({
        actionId: 'fx_revoke',
        value: relayId,
        userId,
        channelId,
        messageTs: ts,
        responseUrl,
      }),
    );
    return { response, responseUrl };
  }

  /** The texts posted to a response_url, once at least `count` arrived. */
  async responsesTo(url: string, count = 1): Promise<string[]> {
    await this.slack.waitFor(() => this.slack.responsesTo(url).length >= count);
    return this.slack.responsesTo(url).map((call) => String(call.body.text ?? ''));
  }

  async close(): Promise<void> {
    await this.bridge.stop().catch(() => undefined);
    await this.slack.stop();
    await this.emulator.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export { CHANNEL_ID, SENDER_ID, TEAM_ID };
