/**
 * The settings contract (settings-contract.ts) on all four stores: memory, a SQLite file, Redis
 * (own key prefix, deleted after) and PostgreSQL (own database, dropped after). Redis and
 * PostgreSQL skip loudly without a server.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { DEFAULTS } from '../../src/config.js';
import { openPostgresStore } from '../../src/postgres/relay-store.js';
import { openRedisStore } from '../../src/redis/relay-store.js';
import { MemoryRelayStore } from '../../src/store/memory-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';
import { deleteKeysUnder, REDIS_URL, redisAvailable } from '../redis-helpers.js';
import { describeSettingsContract } from './settings-contract.js';

describeSettingsContract('memory', async () => new MemoryRelayStore());

describe('sqlite file', () => {
  let dir = '';
  let files = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fx-bridge-settings-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const path = () => join(dir, `settings-${files}.db`);
  describeSettingsContract(
    'sqlite file',
    async () => {
      files += 1;
      return openSqliteStore({ path: path() });
    },
    { reopen: async () => openSqliteStore({ path: path() }) },
  );
});

const redis = await redisAvailable('settings store (Redis)');
describe.skipIf(!redis)('redis', () => {
  const run = `fxb-test:settings:${randomUUID().slice(0, 8)}:`;
  let count = 0;
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await deleteKeysUnder(admin, run);
    await admin.quit();
  });
  describeSettingsContract(
    'redis',
    async () => {
      count += 1;
      return openRedisStore({ url: REDIS_URL, keyPrefix: `${run}${count}:` });
    },
    { reopen: async () => openRedisStore({ url: REDIS_URL, keyPrefix: `${run}${count}:` }) },
  );
});

const postgres = await postgresAvailable('settings store (PostgreSQL)');
describe.skipIf(!postgres)('postgres', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await TestDatabase.create('settings');
  });
  afterAll(async () => {
    await db?.drop();
  });
  const open = () => openPostgresStore({ url: db.url, ...DEFAULTS.postgres, poolSize: 4 });
  describeSettingsContract(
    'postgres',
    async () => {
      const store = await open();
      await store.pool.query('TRUNCATE fxb_settings, fxb_settings_audit');
      return store;
    },
    { reopen: open },
  );
});
