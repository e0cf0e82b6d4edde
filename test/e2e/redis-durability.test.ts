/**
 * A Redis that forgets is noticed (issue 17 item 6, issue 20's Redis guardrails), against private
 * redis-servers (never the shared one on 6379, which must not be reconfigured):
 * - on an evicting policy the real bridge process refuses to start (exit 78, the policy, the
 *   variable and the fix named) and writes nothing; REDIS_ALLOW_EVICTION=true lets it start;
 * - while it runs, a lost sentinel key or a policy changed at run time turns /readyz not ready with
 *   the reason, and the log says so in one ERROR line however often /readyz is probed;
 * - the reported harm: relays evicted from a full allkeys-lru Redis, copies live in Fxiaoke, and
 *   /readyz, which stayed 200 before, says the keys were evicted.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import {
  BOT_ID,
  BOT_USER_ID,
  sendSlashCommand,
  TEST_SIGNING_SECRET,
} from '../../dev/fakes/slack-requests.js';
import { type Bridge, startBridge } from '../../src/bridge.js';
import { loadConfig } from '../../src/config.js';
import { PrivateRedis, redisServerAvailable } from '../redis-server.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';

const available = redisServerAvailable('Redis durability e2e');
const PREFIX = 'fxb-durability:';

interface Readiness {
  status: number;
  body: { status: string; checks: Record<string, string>; redis?: Record<string, string> };
}

async function readyz(baseUrl: string): Promise<Readiness> {
  const response = await fetch(`${baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

async function until<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The bridge's JSON log lines at ERROR from the durability watch. */
function durabilityErrors(lines: readonly string[]): string[] {
  return lines.filter(
    (line) => line.includes('"level":50') && line.includes('"component":"redis-durability"'),
  );
}

describe.skipIf(!available)('a Redis that forgets is noticed (private redis-servers)', () => {
  const children = new BridgeProcesses();
  const cleanups: (() => Promise<unknown> | unknown)[] = [];

  afterEach(async () => {
    await children.killAll();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function fakes(): Promise<{ emulator: FxiaokeEmulator; slack: FakeSlackApi }> {
    const emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      messageIdLocation: 'top',
    });
    const slack = await FakeSlackApi.start();
    cleanups.push(
      () => emulator.stop(),
      () => slack.stop(),
    );
    return { emulator, slack };
  }

  async function privateRedis(args: string[]): Promise<{ server: PrivateRedis; admin: Redis }> {
    const server = (await PrivateRedis.create('Redis durability e2e', args))!;
    const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    cleanups.push(
      () => server.cleanup(),
      () => admin.disconnect(),
    );
    return { server, admin };
  }

  it('refuses to start on allkeys-lru (exit 78, nothing written) and starts with REDIS_ALLOW_EVICTION=true', async () => {
    const { emulator, slack } = await fakes();
    const { server, admin } = await privateRedis(['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru']);
    const port = await freePort();
    const env = bridgeEnv({
      emulator,
      slack,
      port,
      storeUrl: server.url,
      extra: { REDIS_KEY_PREFIX: PREFIX },
    });

    const baseUrl = `http://127.0.0.1:${port}`;
    const refused = children.start(['src/main.ts'], env);
    // Fails fast if it starts instead (healthy rejects once the process has exited).
    const started = refused.healthy(baseUrl, 60_000).then(
      () => 'started and answered /healthz',
      () => 'did not start',
    );
    expect(await Promise.race([refused.exited, started])).toEqual({ code: 78, signal: null });
    expect(refused.output).toContain('fx-bridge failed to start: the Redis store evicts keys');
    expect(refused.output).toContain('maxmemory-policy is allkeys-lru (maxmemory 2mb)');
    expect(refused.output).toContain('Set maxmemory-policy noeviction');
    expect(refused.output).toContain('REDIS_ALLOW_EVICTION=true');
    expect(await admin.dbsize()).toBe(0);

    const allowed = children.start(['src/main.ts'], { ...env, REDIS_ALLOW_EVICTION: 'true' });
    await allowed.healthy(baseUrl, 60_000);
    const ready = await until(
      () => readyz(baseUrl),
      (r) => r.status === 200,
      '/readyz 200',
    );
    expect(ready.body.checks.redis).toBe('ok');
    expect(ready.body.redis).toEqual({
      maxmemoryPolicy: 'allkeys-lru',
      persistence: 'AOF (appendfsync always)',
    });
    expect(allowed.output).toMatch(
      /"level":40.*the Redis store evicts keys \(maxmemory-policy allkeys-lru\) and REDIS_ALLOW_EVICTION=true lets fx-bridge start/,
    );
  }, 120_000);

  it('turns /readyz not ready with one ERROR line when the sentinel goes, and when the policy turns evicting', async () => {
    const { emulator, slack } = await fakes();
    const { server, admin } = await privateRedis([]);
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    });
    const env = bridgeEnv({
      emulator,
      slack,
      port: 0,
      storeUrl: server.url,
      extra: { REDIS_KEY_PREFIX: PREFIX },
    });
    const start = () =>
      startBridge(loadConfig(env), {
        logDestination: destination,
        botId: BOT_ID,
        botUserId: BOT_USER_ID,
        durabilityCheckEveryMs: 50,
      });
    let bridge: Bridge = await start();
    cleanups.push(() => bridge.stop());
    let baseUrl = `http://127.0.0.1:${bridge.port}`;
    const ready = await until(
      () => readyz(baseUrl),
      (r) => r.status === 200,
      '/readyz 200',
    );
    expect(ready.body.redis).toEqual({
      maxmemoryPolicy: 'noeviction',
      persistence: 'AOF (appendfsync always)',
    });
    expect(await admin.get(`${PREFIX}sentinel`)).toBeTruthy();

    // Keys lost (a FLUSHDB, an eviction, a restart without persistence all take the sentinel with them).
    await admin.del(`${PREFIX}sentinel`);
    const lost = await until(
      () => readyz(baseUrl),
      (r) => r.status === 503,
      '/readyz 503',
    );
    expect(lost.body.checks).toMatchObject({
      store: 'ok',
      fxiaoke: 'ok',
      redis: 'keys lost (sentinel key gone)',
    });
    for (let probe = 0; probe < 10; probe += 1) expect((await readyz(baseUrl)).status).toBe(503);
    const errors = durabilityErrors(lines);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      `the Redis store lost keys: ${PREFIX}sentinel, written when fx-bridge started, is gone`,
    );
    expect(errors[0]).toContain('Set maxmemory-policy noeviction');

    // A restart accepts the store as it is now.
    await bridge.stop();
    bridge = await start();
    baseUrl = `http://127.0.0.1:${bridge.port}`;
    await until(
      () => readyz(baseUrl),
      (r) => r.status === 200,
      '/readyz 200 after the restart',
    );
    lines.splice(0);

    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const evicting = await until(
      () => readyz(baseUrl),
      (r) => r.status === 503,
      '/readyz 503',
    );
    expect(evicting.body.checks.redis).toBe('maxmemory-policy allkeys-lru evicts keys');
    expect(evicting.body.redis?.maxmemoryPolicy).toBe('allkeys-lru');
    for (let probe = 0; probe < 10; probe += 1) expect((await readyz(baseUrl)).status).toBe(503);
    expect(durabilityErrors(lines)).toEqual([
      expect.stringContaining("the Redis store's maxmemory-policy was changed to allkeys-lru"),
    ]);

    // Nothing was lost meanwhile: back to noeviction, ready again.
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    const back = await until(
      () => readyz(baseUrl),
      (r) => r.status === 200,
      '/readyz 200 again',
    );
    expect(back.body.checks.redis).toBe('ok');
  }, 60_000);

  it('relays evicted from a full allkeys-lru Redis while their copies are live in Fxiaoke: /readyz says so', async () => {
    const { emulator, slack } = await fakes();
    const { server, admin } = await privateRedis(['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru']);
    const port = await freePort();
    const env = bridgeEnv({
      emulator,
      slack,
      port,
      storeUrl: server.url,
      extra: { REDIS_KEY_PREFIX: PREFIX, REDIS_ALLOW_EVICTION: 'true' },
    });
    const bridge = children.start(['src/main.ts'], env);
    const baseUrl = `http://127.0.0.1:${port}`;
    await bridge.healthy(baseUrl, 60_000);
    await until(
      () => readyz(baseUrl),
      (r) => r.status === 200,
      '/readyz 200',
    );
    const [alice] = emulator.options.users;

    const texts = Array.from({ length: 5 }, (_, n) => `quote ${n} is ready`);
    for (const text of texts) {
      const ack = await sendSlashCommand(`${baseUrl}/slack/events`, TEST_SIGNING_SECRET, {
        text: `${alice!.openUserId} ${text}`,
        response_url: slack.responseUrl(),
      });
      expect(ack.status).toBe(200);
    }
    const sentKey = `${PREFIX}status:sent`;
    await until(
      () => admin.zcard(sentKey),
      (count) => count === texts.length,
      'every relay sent',
    );
    const relayKeys = (await admin.zrange(sentKey, 0, -1)).map((id) => `${PREFIX}relay:${id}`);
    // Before anything is lost, the probe is content.
    expect((await readyz(baseUrl)).status).toBe(200);

    // Another tenant of this Redis fills it: allkeys-lru evicts the least recently used keys, relays among them.
    const filler = 'x'.repeat(10_000);
    let round = 0;
    while ((await admin.exists(...relayKeys)) === relayKeys.length) {
      if (round > 2_000) throw new Error('no relay was evicted');
      const batch = admin.pipeline();
      for (let n = 0; n < 50; n += 1) batch.set(`other-app:${round}:${n}`, filler);
      await batch.exec();
      round += 1;
    }
    // The harm: a relay is forgotten while its copy is live in Fxiaoke.
    const forgotten = relayKeys.length - (await admin.exists(...relayKeys));
    expect(forgotten).toBeGreaterThan(0);
    expect(emulator.messages.filter((message) => !message.revoked)).toHaveLength(texts.length);

    const notReady = await until(
      () => readyz(baseUrl),
      (r) => r.status === 503,
      '/readyz 503',
    );
    expect(notReady.body.checks.store).toBe('ok');
    expect(notReady.body.checks.redis).toMatch(
      /^keys (evicted \(\d+ since start\)|lost \(sentinel key gone\))$/,
    );
    expect(notReady.body.redis?.maxmemoryPolicy).toBe('allkeys-lru');
    for (let probe = 0; probe < 10; probe += 1) expect((await readyz(baseUrl)).status).toBe(503);
    expect(durabilityErrors(bridge.output.split('\n'))).toEqual([
      expect.stringMatching(/the Redis store (evicted \d+ keys? since fx-bridge started|lost keys)/),
    ]);
  }, 120_000);
});
