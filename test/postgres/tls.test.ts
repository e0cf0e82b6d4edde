/**
 * TLS to a managed-style database: a private cluster whose certificate a private authority signed
 * (as Amazon RDS's or Azure's are), reached with `?sslmode=require` and POSTGRES_CA_FILE. The
 * server's certificate and name are verified; without the authority's file the connection is
 * refused rather than made unverified.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config.js';
import { openPostgresStore } from '../../src/postgres/relay-store.js';
import { StoreError } from '../../src/store/errors.js';
import { PrivatePostgres } from '../postgres-server.js';
import { rejectionOf } from '../store/contract.js';
import { makeRecord } from '../store/records.js';

/** A certificate authority and a server certificate it signed for 127.0.0.1; undefined without openssl. */
function certificates(dir: string): { ca: string; cert: string; key: string } | undefined {
  const openssl = (...args: string[]) => spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (openssl('version').status !== 0) {
    console.warn('\n⚠ openssl not found — PostgreSQL TLS tests SKIPPED\n');
    return undefined;
  }
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName = IP:127.0.0.1\n');
  const ca = [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=fx-bridge test CA',
  ];
  const request = ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1'];
  const sign = ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'];
  for (const command of [
    [...ca, '-keyout', 'ca.key', '-out', 'ca.pem'],
    [...request, '-keyout', 'server.key', '-out', 'server.csr'],
    [...sign, '-days', '2', '-extfile', 'san.cnf', '-out', 'server.crt'],
  ]) {
    const result = openssl(...command);
    if (result.status !== 0) throw new Error(`openssl ${command[0]} failed: ${result.stderr}`);
  }
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return { ca: read('ca.pem'), cert: read('server.crt'), key: read('server.key') };
}

const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-tls-'));
const certs = certificates(dir);
const server = certs ? await PrivatePostgres.create('PostgreSQL TLS', certs) : undefined;

describe.skipIf(!server)('PostgreSQL over TLS (a private cluster with its own authority)', () => {
  const settings = { ...DEFAULTS.postgres, poolSize: 2 };
  const caFile = join(dir, 'ca.pem');

  afterAll(async () => {
    await server?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with ?sslmode=require and POSTGRES_CA_FILE, encrypted, and works as a store', async () => {
    const url = `${server!.url}?sslmode=require`;
    const store = await openPostgresStore({ url, ...settings, caFile });
    const { rows } = await store.pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(rows).toEqual([{ ssl: true }]);
    const record = makeRecord();
    await store.create(record);
    expect(await store.findById(record.id)).toStrictEqual(record);
    await store.close();
  });

  it('turns TLS on with POSTGRES_CA_FILE alone', async () => {
    const store = await openPostgresStore({ url: server!.url, ...settings, caFile });
    const { rows } = await store.pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(rows).toEqual([{ ssl: true }]);
    await store.close();
  });

  it('refuses a server it cannot verify: no CA file for a private authority, or another name', async () => {
    const unverified = await rejectionOf(
      openPostgresStore({ url: `${server!.url}?sslmode=require`, ...settings }),
    );
    expect(unverified).toBeInstanceOf(StoreError);
    expect((unverified as StoreError).message).toMatch(
      /Could not connect to the PostgreSQL store.*certificate/,
    );

    // The certificate names 127.0.0.1, not localhost: the name is checked too (verify-full).
    const byName = `${server!.url.replace('127.0.0.1', 'localhost')}?sslmode=require`;
    const misnamed = await rejectionOf(openPostgresStore({ url: byName, ...settings, caFile }));
    expect((misnamed as StoreError).message).toMatch(/Could not connect.*(altnames|localhost)/);
  });
});
