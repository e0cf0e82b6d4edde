import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { openStore, parseStoreUrl } from '../../src/store/index.js';
import { MemoryRelayStore } from '../../src/store/memory-store.js';
import { SqliteRelayStore } from '../../src/store/sqlite-store.js';
import { rejectionOf } from './contract.js';
import { makeRecord } from './records.js';

/** A port nothing listens on: bound once by us, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('parseStoreUrl', () => {
  it.each([
    ['sqlite:./data/fx-bridge.db', { kind: 'sqlite', path: './data/fx-bridge.db' }],
    ['sqlite:data/fx.db', { kind: 'sqlite', path: 'data/fx.db' }],
    ['sqlite:///abs/path.db', { kind: 'sqlite', path: '/abs/path.db' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    ['  SQLite:./x.db \n', { kind: 'sqlite', path: './x.db' }],
    ['memory:', { kind: 'memory' }],
    ['redis://localhost:6379/0', { kind: 'redis', url: 'redis://localhost:6379/0' }],
    ['rediss://user:pw@host:6380', { kind: 'redis', url: 'rediss://user:pw@host:6380' }],
    ['postgres://fx:pw@db:5432/fx', { kind: 'postgres', url: 'postgres://fx:pw@db:5432/fx' }],
    ['postgresql://db/fx', { kind: 'postgres', url: 'postgresql://db/fx' }],
    [
      ' postgresql://fx@db/fx?sslmode=require',
      { kind: 'postgres', url: 'postgresql://fx@db/fx?sslmode=require' },
    ],
  ])('parses %j', (url, expected) => {
    expect(parseStoreUrl(url)).toStrictEqual(expected);
  });

  it.each([
    ['', /empty/],
    ['./data/fx.db', /no scheme/],
    ['mysql://user:secret@db/fx', /unsupported scheme "mysql:".*sqlite:\.\/.*memory:.*postgres:/],
    ['postgres://', /names no PostgreSQL host/],
    ['sqlite:', /needs a file path/],
    ['sqlite://host/fx.db', /absolute path/],
    ['memory:extra', /nothing after the colon/],
  ])('rejects %j with a clear message', (url, message) => {
    expect(() => parseStoreUrl(url)).toThrow(message);
  });

  it('never echoes credentials from a rejected URL, not even text before a colon that is no scheme', () => {
    for (const url of ['mysql://user:secret@db/fx', 'postgres://user:secret@db:port/fx', 'secret!:x@db']) {
      expect(() => parseStoreUrl(url)).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('secret') }),
      );
    }
  });
});

describe('openStore', () => {
  it('opens a memory store', async () => {
    const store = await openStore('memory:');
    expect(store).toBeInstanceOf(MemoryRelayStore);
    await store.close();
  });

  it('opens a SQLite file, creating its directory, and passes the clock through', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fx-bridge-open-'));
    try {
      const store = await openStore(`sqlite://${join(dir, 'sub', 'fx.db')}`, { now: () => 77 });
      expect(store).toBeInstanceOf(SqliteRelayStore);
      const record = makeRecord();
      await store.create(record);
      expect((await store.update(record.id, { status: 'sent' })).updatedAt).toBe(77);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens an in-memory SQLite database', async () => {
    const store = await openStore('sqlite::memory:');
    expect(store).toBeInstanceOf(SqliteRelayStore);
    await store.ping();
    await store.close();
  });

  it('fails at start on an unreachable Redis with a StoreError that never echoes the URL', async () => {
    const port = await unusedPort();
    const error = await rejectionOf(openStore(`rediss://:hunter2@127.0.0.1:${port}/0`));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/Could not connect to the Redis store/);
    expect((error as StoreError).cause).toBeInstanceOf(Error);
    expect((error as StoreError).message).not.toContain('hunter2');
  });

  it.each([
    ['redis://:hunter2@cache:notaport', /not a valid Redis URL/],
    ['redis://:hunter2@cache:6379/zero', /database number/],
    ['redis://:hunter2@:6379', /no Redis host|not a valid/],
  ])('rejects the malformed Redis URL %j before connecting', async (url, message) => {
    const error = await rejectionOf(openStore(url));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(message);
    expect((error as StoreError).message).not.toContain('hunter2');
  });

  it('rejects unknown forms', async () => {
    await expect(openStore('mysql://db/fx')).rejects.toThrow(/accepted forms/);
  });

  it('names a PostgreSQL store that does not answer, without its password', async () => {
    const error = await rejectionOf(openStore('postgres://fx:hunter2@127.0.0.1:9/fx'));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/PostgreSQL/);
    expect((error as StoreError).message).not.toContain('hunter2');
  });
});
