/**
 * Shared by every test that needs the real PostgreSQL: reach it or skip loudly, and a database of
 * its own per test file (created with a unique name, dropped afterwards), so test files running in
 * parallel never see each other's rows and nothing is left behind.
 *
 *   const server = await postgresAvailable('PostgreSQL store');   // false (and a warning) without it
 *   const db = await TestDatabase.create('store');                 // in beforeAll
 *   db.url                                                          // postgres://…/fxb_test_store_…
 *   await db.drop();                                                // in afterAll
 */
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { DEFAULTS } from '../src/config.js';
import { createPool, type PostgresSettings, postgresTarget } from '../src/postgres/connection.js';
import { migrate } from '../src/postgres/migrations.js';
import { freePort } from './e2e/process-helpers.js';

export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL without its password, fit for a console line. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = parsed.password ? '***' : '';
    return parsed.toString();
  } catch {
    return '(unparsable TEST_POSTGRES_URL)';
  }
}

/** A client on the server's maintenance database (where CREATE and DROP DATABASE run). */
export function adminClient(url = TEST_POSTGRES_URL): pg.Client {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  return client;
}

/** Probes PostgreSQL once; when it is down, says so on the console (a skipped suite must be seen). */
export async function postgresAvailable(what: string): Promise<boolean> {
  const probe = adminClient();
  try {
    await probe.connect();
    await probe.query('SELECT 1');
    return true;
  } catch {
    console.warn(
      `\n⚠ PostgreSQL not reachable at ${shown(TEST_POSTGRES_URL)} — ${what} tests SKIPPED ` +
        '(start PostgreSQL or set TEST_POSTGRES_URL to run them)\n',
    );
    return false;
  } finally {
    await probe.end().catch(() => undefined);
  }
}

/** A database of one test file's own on the shared server. */
export class TestDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly serverUrl: string,
  ) {}

  /** Creates `fxb_test_<suite>_<random>` on the server of `serverUrl`. */
  static async create(suite: string, serverUrl = TEST_POSTGRES_URL): Promise<TestDatabase> {
    const name = `fxb_test_${suite.replace(/\W/g, '_')}_${randomUUID().slice(0, 8)}`.toLowerCase();
    await withAdmin(serverUrl, async (admin) => {
      // Two files creating databases at once may meet "template1 is being accessed": try again.
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.query(`CREATE DATABASE ${name}`);
          return;
        } catch (error) {
          if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    });
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return new TestDatabase(name, url.toString(), serverUrl);
  }

  /** A client on this database (the test's own look at the tables). */
  async client(): Promise<pg.Client> {
    const client = adminClient(this.url);
    await client.connect();
    return client;
  }

  /** Runs SQL on this database on a connection of its own. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    const client = await this.client();
    try {
      return await client.query<R>(sql, params);
    } finally {
      await client.end();
    }
  }

  /** A pool on this database as the bridge opens it (its settings), with the schema migrated. */
  async pool(settings: Partial<PostgresSettings> = {}): Promise<pg.Pool> {
    const all = { ...DEFAULTS.postgres, poolSize: 4, ...settings };
    const pool = createPool(postgresTarget(this.url), all);
    await migrate(pool);
    return pool;
  }

  /** Drops the database, ending whatever connection a test left open on it. */
  async drop(): Promise<void> {
    await withAdmin(this.serverUrl, (admin) =>
      admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`),
    );
  }
}

async function withAdmin<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = adminClient(url);
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/**
 * A TCP relay to a server that a test can cut (every connection dropped, nothing accepted) and
 * open again on the same port: a network failure between the bridge and its database.
 */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #refusing: Server | undefined;
  /** Connections turned away while cut. */
  refused = 0;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(targetUrl: string): Promise<TcpProxy> {
    const url = new URL(targetUrl);
    const proxy = new TcpProxy(await freePort(), { host: url.hostname, port: Number(url.port || 5432) });
    await proxy.open();
    return proxy;
  }

  /** `url` with host and port replaced by the proxy's. */
  through(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  async open(): Promise<void> {
    if (this.#server) return;
    const refusing = this.#refusing;
    this.#refusing = undefined;
    if (refusing) await new Promise((resolve) => refusing.close(resolve));
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          this.#sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.#server = server;
  }

  /**
   * Drops every connection and turns new ones away (counted in `refused`) until `open()`; after
   * `close()`, nothing listens on the port any more.
   */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    const closed = server ? new Promise((resolve) => server.close(resolve)) : Promise.resolve();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    if (this.#refusing) return;
    const refusing = createServer((socket) => {
      this.refused += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => refusing.listen(this.port, '127.0.0.1', resolve));
    this.#refusing = refusing;
  }

  /** Stops listening altogether. */
  async close(): Promise<void> {
    await this.cut();
    const refusing = this.#refusing;
    this.#refusing = undefined;
    if (refusing) await new Promise((resolve) => refusing.close(resolve));
  }
}
