/**
 * A private PostgreSQL cluster for tests that take the database away mid-run (an outage, a
 * restart): `initdb` into a temp directory, `pg_ctl` on a port of its own, run as the `postgres`
 * user when the tests run as root (PostgreSQL refuses root). Never the shared server on 5432.
 *
 *   const server = await PrivatePostgres.create();   // undefined (and a console warning) without initdb
 *   server.url                                        // postgres://postgres@127.0.0.1:<port>/postgres
 *   await server.crash();  await server.start();      // immediate stop (no checkpoint: as a crash), then back
 *   await server.cleanup();                           // stop and remove the directory
 *
 * `fsync` is off: the tests stop the server, never the machine, so what PostgreSQL wrote is in the
 * OS either way; every commit still waits for its WAL write (synchronous_commit stays on), and an
 * immediate stop is recovered from that WAL at the next start, as after a crash.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './e2e/process-helpers.js';

const run = promisify(execFile);
const ROOT = userInfo().uid === 0;

/** The directory with initdb and pg_ctl, newest version first; undefined when none is installed. */
function binaries(): string | undefined {
  const base = '/usr/lib/postgresql';
  const fromPath = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [
    ...(fromPath.status === 0 ? [fromPath.stdout.trim()] : []),
    ...(existsSync(base)
      ? readdirSync(base)
          .sort((a, b) => Number(b) - Number(a))
          .map((version) => join(base, version, 'bin'))
      : []),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

/** True when a private cluster can be made here; otherwise says so on the console (a skip must be seen). */
export function postgresServerAvailable(what: string): boolean {
  const bin = binaries();
  const user = ROOT ? spawnSync('runuser', ['-u', 'postgres', '--', 'true']).status === 0 : true;
  if (!bin || !user) {
    const missing = bin ? 'a postgres user to run it as (runuser -u postgres)' : 'initdb and pg_ctl';
    console.warn(`\n⚠ no ${missing} here — ${what} tests SKIPPED (install PostgreSQL to run them)\n`);
    return false;
  }
  return true;
}

export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly bin: string,
    private readonly tls: boolean,
  ) {}

  /**
   * Makes a cluster on a free port in a fresh temp directory and starts it. With `tls`, the
   * server speaks TLS with that certificate and key (PEM text), copied into its directory.
   */
  static async create(
    what = 'private PostgreSQL',
    tls?: { cert: string; key: string },
  ): Promise<PrivatePostgres | undefined> {
    if (!postgresServerAvailable(what)) return undefined;
    const dir = await mkdtemp(join(tmpdir(), 'fx-bridge-pg-'));
    const server = new PrivatePostgres(await freePort(), dir, binaries() as string, tls !== undefined);
    try {
      if (tls) {
        await writeFile(join(dir, 'server.crt'), tls.cert, { mode: 0o600 });
        await writeFile(join(dir, 'server.key'), tls.key, { mode: 0o600 });
      }
      if (ROOT) {
        const { uid, gid } = postgresIds();
        for (const path of [dir, ...(tls ? [join(dir, 'server.crt'), join(dir, 'server.key')] : [])]) {
          await chown(path, uid, gid);
        }
      }
      await chmod(dir, 0o700);
      await server.#as(join(server.bin, 'initdb'), [
        '-D',
        server.dataDir,
        '-U',
        'postgres',
        '--auth=trust',
        '--no-sync',
        '-E',
        'UTF8',
      ]);
      await server.start();
    } catch (error) {
      await server.cleanup();
      throw error;
    }
    return server;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts (again) on the same port and data, and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${this.dir}'`,
      '-c fsync=off',
      '-c max_connections=60',
      '-c shared_buffers=16MB',
      ...(this.tls
        ? [
            '-c ssl=on',
            `-c ssl_cert_file='${join(this.dir, 'server.crt')}'`,
            `-c ssl_key_file='${join(this.dir, 'server.key')}'`,
          ]
        : []),
    ].join(' ');
    await this.#as(join(this.bin, 'pg_ctl'), [
      'start',
      '-D',
      this.dataDir,
      '-w',
      '-t',
      '60',
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      options,
    ]);
    await this.#reachable();
  }

  /** Stops at once, without a checkpoint (`-m immediate`): the next start recovers, as after a crash. */
  async crash(): Promise<void> {
    await this.#as(join(this.bin, 'pg_ctl'), ['stop', '-D', this.dataDir, '-m', 'immediate', '-w']).catch(
      () => undefined,
    );
  }

  async cleanup(): Promise<void> {
    await this.crash();
    await rm(this.dir, { recursive: true, force: true });
  }

  async #reachable(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Runs a PostgreSQL program as the postgres user (as ourselves when we are not root). */
  async #as(program: string, args: string[]): Promise<void> {
    const [file, argv] = ROOT ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
    await run(file as string, argv as string[], { timeout: 120_000 });
  }
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}
