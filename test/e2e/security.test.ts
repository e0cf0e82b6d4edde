/** Signatures, bad input and secrets: what must never get through or leak. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CODE } from '../../dev/fakes/fxiaoke-emulator.js';
import {
  postSigned,
  signSlackRequest,
  slashCommandBody,
  TEST_SIGNING_SECRET,
} from '../../dev/fakes/slack-requests.js';
import { APP_SECRET, BOT_TOKEN, Harness, PERMANENT_CODE } from './harness.js';

const SEND = '/cgi/app/message/send';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('request signing', () => {
  it('rejects forged and stale signatures and sends nothing', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[0]!;
    const body = slashCommandBody({
      text: `${user.openUserId} forged`,
      response_url: harness.slack.responseUrl(),
    });
    const forged = await postSigned(harness.eventsUrl, body, { signingSecret: 'not-the-real-secret' });
    const tampered = await postSigned(harness.eventsUrl, body, {
      signingSecret: TEST_SIGNING_SECRET,
      signature: `v0=${'0'.repeat(64)}`,
    });
    const stale = await postSigned(harness.eventsUrl, body, {
      signingSecret: TEST_SIGNING_SECRET,
      timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect([forged.status, tampered.status, stale.status]).toEqual([401, 401, 401]);
    const valid = await postSigned(harness.eventsUrl, body, { signingSecret: TEST_SIGNING_SECRET });
    expect(valid.status).toBe(200);
    await harness.slack.waitFor(() => harness!.emulator.messages.length === 1);
    expect(harness.emulator.messages).toHaveLength(1); // only the validly signed one
  });
  it('answers unsigned 4 MB bodies 401 and relays a signed command sent among them', async () => {
    harness = await Harness.start();
    const h = harness;
    const user = h.emulator.options.users[0]!;
    // `[[[[…]]]]` just under Bolt's 4 MB limit: parsing it first is what used to take seconds.
    const nested = `${'['.repeat(2 * 1024 * 1024 - 16)}${']'.repeat(2 * 1024 * 1024 - 16)}`;
    const flood = (headers: Record<string, string>) =>
      fetch(h.eventsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: nested,
      }).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      });
    const floods = [
      ...Array.from({ length: 6 }, () => flood({})),
      ...Array.from({ length: 2 }, () => flood(signSlackRequest('not-the-real-secret', nested))),
    ];
    const signed = await postSigned(
      h.eventsUrl,
      slashCommandBody({ text: `${user.openUserId} among the flood`, response_url: h.slack.responseUrl() }),
      { signingSecret: TEST_SIGNING_SECRET },
    );
    expect(signed.status).toBe(200);
    expect(await Promise.all(floods)).toEqual(Array(8).fill(401));
    await h.slack.waitFor(() => h.emulator.messages.length === 1);
    expect(h.emulator.messages[0]?.content).toContain('among the flood');
    expect(h.logLines.join('\n')).not.toContain(TEST_SIGNING_SECRET);
  });
});

describe('user errors', () => {
  it('answers help and usage errors in the ack, without calling Fxiaoke', async () => {
    harness = await Harness.start();
    const help = await harness.command('help');
    expect(JSON.stringify(help.response.json)).toContain('/fx-send <recipients> <message>');
    const noMessage = await harness.command('FSUID_0123456789abcdef0123456789abcdef');
    expect(JSON.stringify(noMessage.response.json)).toContain('There is no message after the recipients');
    const emptyItem = await harness.command('FSUID_0123456789abcdef0123456789abcdef,,1001 hi');
    expect(JSON.stringify(emptyItem.response.json)).toContain('empty item');
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it('names an unknown alias and an unmapped mention, and sends nothing', async () => {
    harness = await Harness.start({
      fileConfig: 'aliases:\n  sales: [FSUID_0123456789abcdef0123456789abcdef]\n',
    });
    const { responseUrl } = await harness.command('sales,marketing,<@U0NOBODY|nobody> hello');
    const [answer] = await harness.responsesTo(responseUrl);
    expect(answer).toContain('`marketing`');
    expect(answer).toContain('`@nobody`');
    expect(answer).not.toContain('`sales`');
    expect(harness.emulator.requestsTo('/cgi/app/message/send')).toHaveLength(0);
    const stored = await harness.bridge.store.listBySender('U0SENDER', 10);
    expect(stored.every((record) => record.status === 'failed' && record.batches.length === 0)).toBe(true);
  });

  it('maps a Slack mention through the config file', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[1]!;
    await harness.close();
    harness = await Harness.start({ fileConfig: `slackUsers:\n  U0ALICE: ${user.openUserId}\n` });
    const before = harness.slack.messages.length;
    await harness.command('<@U0ALICE|alice> see you at 3');
    await harness.receiptAfter(before);
    expect(harness.emulator.messages[0]!.toUser).toEqual([user.openUserId]);
  });
});

describe('secrets', () => {
  it('keeps tokens and secrets out of the logs, even on failures', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[0]!;
    const before = harness.slack.messages.length;
    await harness.command(`${user.openUserId} hello`);
    await harness.receiptAfter(before);
    const accessTokens = harness.emulator.requests
      .map((request) => (request.response as { accessToken?: string } | undefined)?.accessToken)
      .filter((token): token is string => Boolean(token));
    expect(accessTokens.length).toBeGreaterThan(0);
    // A gateway that echoes the request's credentials in its error text (seen in the wild).
    const echo = `bad request: token=${accessTokens[0]} appSecret=${APP_SECRET} code=${PERMANENT_CODE}`;
    harness.emulator.addFault({ fault: { type: 'error', errorCode: 11016, errorMessage: echo }, path: SEND });
    const { responseUrl } = await harness.command(`${user.openUserId} fails`);
    const [reply] = await harness.responsesTo(responseUrl);
    expect(reply).toContain('11016');
    expect(reply).toContain('[REDACTED]');
    harness.emulator.addFault({ fault: { type: 'error', errorCode: CODE.TOKEN_INVALID } });
    harness.emulator.addFault({ fault: { type: 'reset' }, path: SEND });
    const second = await harness.command(`${user.openUserId} fails again`);
    await harness.responsesTo(second.responseUrl);
    await fetch(`${harness.baseUrl}/readyz`);

    const log = harness.logLines.join('\n');
    expect(harness.logLines.length).toBeGreaterThan(5);
    expect(log).toContain('Fxiaoke send failed'); // the failure path was logged…
    for (const secret of [BOT_TOKEN, TEST_SIGNING_SECRET, APP_SECRET, PERMANENT_CODE, ...accessTokens]) {
      expect(log).not.toContain(secret); // …without a single secret
    }
    const everythingSaidInSlack = JSON.stringify([harness.slack.responses, harness.slack.calls]);
    for (const secret of [APP_SECRET, PERMANENT_CODE, TEST_SIGNING_SECRET, ...accessTokens]) {
      expect(everythingSaidInSlack).not.toContain(secret);
    }
  });
});

describe('health', () => {
  it('serves /healthz, /readyz and /metrics on the Slack port', async () => {
    harness = await Harness.start();
    const health = await fetch(`${harness.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${harness.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { store: 'ok', fxiaoke: 'ok' } });
    const user = harness.emulator.options.users[0]!;
    await harness.command(`${user.openUserId} counted`);
    await harness.receiptAfter(0);
    await harness.command('FSUID_00000000000000000000000000000bad not counted as sent');
    await harness.slack.waitFor(() => harness!.emulator.requestsTo(SEND).length === 2);
    const metrics = await vi.waitFor(
      async () => {
        const text = await (await fetch(`${harness!.baseUrl}/metrics`)).text();
        expect(text).toContain('fxbridge_relays_total{status="failed"} 1');
        return text;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(metrics).toContain('fxbridge_fxiaoke_token_fetches_total 1');
    expect(metrics).toContain('fxbridge_relays_total{status="sent"} 1');
    expect(metrics).toContain(`fxbridge_fxiaoke_calls_total{path="${SEND}",error_code="20012"} 1`);
    expect(metrics).toContain('process_resident_memory_bytes');
  });

  it('reports not ready when the Fxiaoke credentials are refused: details in the log, not to the prober', async () => {
    harness = await Harness.start({ env: { FXIAOKE_PERMANENT_CODE: 'wrong-permanent-code' } });
    const tokenCallsBefore = harness.emulator.requestsTo('/oauth2.0/token').length;
    const probes = await Promise.all(Array.from({ length: 30 }, () => fetch(`${harness!.baseUrl}/readyz`)));
    for (let round = 0; round < 20; round++) probes.push(await fetch(`${harness.baseUrl}/readyz`));
    const bodies: { checks: { fxiaoke: string; store: string } }[] = [];
    for (const ready of probes) {
      expect(ready.status).toBe(503);
      bodies.push((await ready.json()) as { checks: { fxiaoke: string; store: string } });
    }
    // 50 probes, one credential check: the token endpoint is asked once, not 50 times.
    expect(harness.emulator.requestsTo('/oauth2.0/token').length - tokenCallsBefore).toBe(1);
    for (const body of bodies) expect(body.checks).toEqual({ store: 'ok', fxiaoke: 'not ready' });
    const log = harness.logLines.filter((line) => line.includes('not ready')).join('\n');
    expect(log).toContain('FXIAOKE_PERMANENT_CODE');
    expect(log).not.toContain('wrong-permanent-code');
  });
});
