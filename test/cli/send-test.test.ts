/** `fx-bridge check --send-test`: one message, Fxiaoke's raw answer printed with every secret cut. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { runCli } from '../../src/cli/run.js';
import { APP_SECRET, BOT_TOKEN, captureIo, cliEnv, PERMANENT_CODE, SERVICE_ID } from './cli-env.js';

let emulator: FxiaokeEmulator;
let slack: FakeSlackApi;
let dir: string;
let env: Record<string, string | undefined>;

beforeEach(async () => {
  emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
    messageIdLocation: 'top-long',
  });
  slack = await FakeSlackApi.start();
  dir = mkdtempSync(join(tmpdir(), 'fx-bridge-cli-'));
  env = cliEnv(dir, { slack: slack.url, fxiaoke: emulator.url, appId: emulator.options.appId });
});
afterEach(async () => {
  await slack.stop();
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

const tokensOf = (e: FxiaokeEmulator) =>
  e.requestsTo(PATHS.token).map((r) => String((r.response as { accessToken?: unknown }).accessToken));

describe('fx-bridge check --send-test', () => {
  it('sends one message and prints the raw answer, with the message id where this tenant puts it', async () => {
    const io = captureIo(env);
    const me = emulator.users[0]!.openUserId;
    expect(await runCli(['check', '--send-test', me], io)).toBe(0);
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.messages[0]?.toUser).toEqual([me]);
    const raw = emulator.requestsTo(PATHS.appSend)[0]!;
    expect(io.output).toContain(`raw answer (secrets cut): `);
    // The id above 2^53 is printed digit for digit, as Fxiaoke wrote it.
    expect(io.output).toContain(`"messageId":${emulator.messages[0]!.messageId}`);
    expect(io.output).toContain((raw.response as { traceId: string }).traceId);
    expect(io.output).toContain('found at the top level');
    for (const secret of [APP_SECRET, PERMANENT_CODE, BOT_TOKEN, ...tokensOf(emulator)])
      expect(io.output).not.toContain(secret);
  });

  it('prints a refusal with its code, and cuts out a token Fxiaoke echoes back', async () => {
    const io = captureIo(env);
    await runCli(['check'], captureIo(env)); // fetches the token the send test will use too
    const earlier = tokensOf(emulator)[0] ?? '';
    expect(earlier.length).toBeGreaterThan(10);
    emulator.addFault({
      path: PATHS.appSend,
      fault: { type: 'error', errorCode: 20012, errorMessage: `no such user; token ${earlier}` },
    });
    expect(await runCli(['check', '--send-test', 'FSUID_0000000000000000000000000000BAD0'], io)).toBe(1);
    expect(io.output).toContain('errorCode 20012');
    expect(io.output).toContain('no such user');
    expect(io.output).not.toContain(earlier);
  });

  it('refuses a recipient that is no Fxiaoke id, before any call', async () => {
    const io = captureIo(env);
    expect(await runCli(['check', '--send-test', 'alice@example.com'], io)).toBe(2);
    expect(emulator.requests).toHaveLength(0);
  });
});
