/**
 * Install mode on a shared store (Redis, PostgreSQL), as replicas behind a load balancer: two
 * in-process bridges on one store, one workspace connected. Its sends through either replica
 * reach its tenant once each; the tenant's Fxiaoke token is fetched once for both replicas (the
 * token cache per tenant is shared); its rate budget counts the calls of both; a relay sent
 * through one replica is revoked through the other.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { blockActionPayload, viewSubmissionPayload } from '../../dev/fakes/slack-requests.js';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';
import { deleteKeysUnder, REDIS_URL, redisAvailable, connect as redisConnection } from '../redis-helpers.js';
import { InstallKit } from './install-kit.js';

const redis = await redisAvailable('install mode on a shared Redis store (end-to-end)');
const postgres = await postgresAvailable('install mode on a shared PostgreSQL store (end-to-end)');

const dir = mkdtempSync(join(tmpdir(), 'fxb-installs-replicas-'));
const SECRET = 'tenant-secret-replicas-4444';
const CODE = 'tenant-code-replicas-4444';
let slack: FakeSlackApi;
let emulator: FxiaokeEmulator;
let kit: InstallKit;

beforeAll(async () => {
  slack = await FakeSlackApi.start();
  emulator = await FxiaokeEmulator.start({
    appId: 'FSAID_replicas',
    appSecret: SECRET,
    permanentCode: CODE,
    serviceIds: ['FSAID_svcreplicas'],
    messageIdLocation: 'top',
  });
  kit = new InstallKit(slack, dir, { FXIAOKE_ALLOWED_BASE_URLS: emulator.url });
});
afterEach(() => kit.stopAll());
afterAll(async () => {
  await Promise.all([slack.stop(), emulator.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function connect(base: string, teamId: string, userId: string): Promise<void> {
  const fields: Record<string, string> = {
    fx_base_url: emulator.url,
    fx_app_id: emulator.options.appId,
    fx_app_secret: SECRET,
    fx_permanent_code: CODE,
    fx_user_id: '1000',
    fx_service_id: 'FSAID_svcreplicas',
  };
  const values = Object.fromEntries(
    Object.entries(fields).map(([id, value]) => [id, { [id]: { type: 'plain_text_input', value } }]),
  );
  const res = await kit.interact(
    base,
    viewSubmissionPayload({ callbackId: 'fx_connect_modal', teamId, userId, values }),
  );
  expect(await res.text()).toBe('');
}

/** Two replicas on `store`, a workspace installed and connected, and the tenant's counters reset. */
async function twoReplicas(store: Record<string, string>, teamId: string) {
  // Three calls a minute and five sends: what the budget lets through shows whether it is shared.
  const env = { ...store, FXIAOKE_RATE_LIMIT_CALLS: '3', FXIAOKE_RATE_LIMIT_WINDOW_MS: '60000' };
  // Two relays are left waiting for the budget at the end: a stop need not wait for them.
  const a = await kit.start(kit.freshFile(), { drainTimeoutMs: 300 }, env);
  const b = await kit.start(kit.freshFile(), { drainTimeoutMs: 300 }, env);
  await kit.install(a.base, { teamId, userId: 'U0INSTALLER' });
  await connect(b.base, teamId, 'U0INSTALLER');
  return { a, b, fetchesBefore: emulator.tokenFetches(), sentBefore: emulator.messages.length };
}

async function scenario(store: Record<string, string>, teamId: string): Promise<void> {
  const { a, b, fetchesBefore, sentBefore } = await twoReplicas(store, teamId);
  const texts = Array.from({ length: 5 }, (_, n) => `replicas ${teamId} ${n}`);
  const responseUrls = texts.map(() => slack.responseUrl());
  const acks = await Promise.all(
    texts.map((text, n) =>
      kit.fxSend((n % 2 === 0 ? a : b).base, teamId, {
        text: `1000 ${text}`,
        user_id: 'U0INSTALLER',
        response_url: responseUrls[n] ?? '',
      }),
    ),
  );
  expect(acks).toEqual(texts.map(() => ''));
  // The budget (3 a minute) counts both replicas' calls: three go out, and the other two senders
  // are told theirs is queued for the rate limit (had each replica a budget of its own, all five
  // would go out and nobody would be told so). The window is a minute: the two stay queued.
  const toldQueued = () =>
    responseUrls.filter((url) =>
      slack.responsesTo(url).some((call) => String(call.body.text).includes('Queued:')),
    ).length;
  await expect.poll(toldQueued, { timeout: 15_000 }).toBe(2);
  expect(emulator.messages.length - sentBefore).toBe(3);
  // One token for the tenant, fetched by one replica and used by both.
  expect(emulator.tokenFetches() - fetchesBefore).toBe(1);

  // A relay sent through one replica is revoked through the other.
  const sent = (await a.bridge.store.listRecent(50)).find(
    (record) => record.installation === `T:${teamId}` && record.status === 'sent',
  );
  expect(sent).toBeDefined();
  const responseUrl = slack.responseUrl();
  const click = blockActionPayload({
    actionId: 'fx_revoke',
    value: sent?.id ?? '',
    teamId,
    userId: 'U0INSTALLER',
    messageTs: '1700000000.000002',
    responseUrl,
  });
  expect((await kit.interact(b.base, click)).status).toBe(200);
  const answer = await slack.waitFor(() => slack.responsesTo(responseUrl)[0], 10_000);
  expect(String(answer.body.text)).toContain('Revoked relay');
}

describe('install mode on a shared store', () => {
  it.runIf(redis)(
    'on Redis: one token and one budget per tenant for both replicas; revoked through the other',
    async () => {
      const prefix = `fxb-test-installs-${randomBytes(4).toString('hex')}:`;
      try {
        await scenario({ STORE_URL: REDIS_URL, REDIS_KEY_PREFIX: prefix }, 'T0REDIS');
      } finally {
        await kit.stopAll();
        const client = redisConnection();
        await deleteKeysUnder(client, prefix);
        await client.quit();
      }
    },
  );

  it.runIf(postgres)(
    'on PostgreSQL: one token and one budget per tenant for both replicas; revoked through the other',
    async () => {
      const database = await TestDatabase.create('installs_replicas');
      try {
        await scenario({ STORE_URL: database.url }, 'T0PG');
      } finally {
        await kit.stopAll();
        await database.drop();
      }
    },
  );
});
