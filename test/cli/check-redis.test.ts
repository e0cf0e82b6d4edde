/**
 * `fx-bridge check` on a Redis store shows what Redis keeps: its eviction policy and its
 * persistence, one line each, against private redis-servers set up as an operator might have them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { runCli } from '../../src/cli/run.js';
import { PrivateRedis, redisServerAvailable } from '../redis-server.js';
import { APP_SECRET, captureIo, cliEnv, PERMANENT_CODE, SERVICE_ID } from './cli-env.js';

const available = redisServerAvailable('fx-bridge check on Redis');

describe.skipIf(!available)('fx-bridge check on a Redis store', () => {
  let emulator: FxiaokeEmulator;
  let slack: FakeSlackApi;
  let dir: string;
  let env: Record<string, string | undefined>;
  const servers: PrivateRedis[] = [];

  beforeAll(async () => {
    emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
    });
    slack = await FakeSlackApi.start();
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-cli-redis-'));
    env = cliEnv(dir, { slack: slack.url, fxiaoke: emulator.url, appId: emulator.options.appId });
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.cleanup()));
    await slack.stop();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function server(args: string[]): Promise<PrivateRedis> {
    const created = (await PrivateRedis.create('fx-bridge check on Redis', args))!;
    servers.push(created);
    return created;
  }

  function line(output: string, name: string): string | undefined {
    return output.split('\n').find((text) => text.slice(2).startsWith(name));
  }

  it('fails on an evicting policy, naming the fix, and warns when REDIS_ALLOW_EVICTION=true', async () => {
    const redis = await server(['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru']);
    const io = captureIo({ ...env, STORE_URL: redis.url });
    expect(await runCli(['check'], io)).toBe(1);
    expect(line(io.output, 'Redis eviction')).toMatch(
      /^✗ Redis eviction +maxmemory-policy allkeys-lru \(maxmemory 2mb\): Redis may drop relay records: .*fx-bridge refuses to start: set maxmemory-policy noeviction, or REDIS_ALLOW_EVICTION=true$/,
    );
    expect(line(io.output, 'Redis persistence')).toMatch(/^✓ Redis persistence +AOF \(appendfsync always\)$/);
    expect(io.output).toContain('1 check failed');

    const allowed = captureIo({ ...env, STORE_URL: redis.url, REDIS_ALLOW_EVICTION: 'true' });
    expect(await runCli(['check'], allowed)).toBe(0);
    expect(line(allowed.output, 'Redis eviction')).toMatch(
      /^! Redis eviction +maxmemory-policy allkeys-lru .*Allowed by REDIS_ALLOW_EVICTION=true; \/readyz turns not ready when keys are lost$/,
    );
    expect(allowed.output).toContain('All checks passed. 1 warning (!) above.');
  });

  it('passes noeviction and warns that nothing is persisted', async () => {
    const redis = await server(['--appendonly', 'no']);
    const io = captureIo({ ...env, STORE_URL: redis.url });
    expect(await runCli(['check'], io)).toBe(0);
    expect(line(io.output, 'Redis eviction')).toMatch(
      /^✓ Redis eviction +maxmemory-policy noeviction \(no maxmemory\): no key is ever evicted$/,
    );
    expect(line(io.output, 'Redis persistence')).toMatch(
      /^! Redis persistence +none: nothing is written to disk: a Redis restart forgets every relay.*Turn on AOF \(appendonly yes\), or use PostgreSQL for the map$/,
    );
  });

  it('says what it could not check where CONFIG is disabled (managed Redis)', async () => {
    const redis = await server(['--rename-command', 'CONFIG', '']);
    const io = captureIo({ ...env, STORE_URL: redis.url });
    expect(await runCli(['check'], io)).toBe(0);
    expect(line(io.output, 'Redis eviction')).toMatch(
      /^✓ Redis eviction +maxmemory-policy noeviction \(no maxmemory\)/,
    );
    expect(line(io.output, 'Redis persistence')).toMatch(
      /^! Redis persistence +AOF \(appendfsync unknown\) and RDB snapshots unknown$/,
    );
    expect(io.output).toMatch(
      /could not check the RDB snapshot schedule \(save\) and appendfsync: the server refuses CONFIG GET/,
    );
  });

  it('shows no Redis lines for a SQLite store', async () => {
    const io = captureIo(env);
    expect(await runCli(['check'], io)).toBe(0);
    expect(io.output).not.toContain('Redis eviction');
  });
});
