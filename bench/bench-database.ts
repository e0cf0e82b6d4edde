import pg from 'pg';

/** A database of the run's own on the server of `serverUrl`, created and dropped with it. */
export class BenchDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly serverUrl: string,
  ) {}

  static async create(serverUrl: string): Promise<BenchDatabase> {
    const name = `fxb_bench_${Date.now()}_${process.pid}`;
    await BenchDatabase.#admin(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return new BenchDatabase(name, url.toString(), serverUrl);
  }

  async relaysSize(): Promise<number> {
    return BenchDatabase.#admin(this.url, async (client) => {
      const { rows } = await client.query<{ bytes: string }>(
        "SELECT pg_total_relation_size('fxb_relays') AS bytes",
      );
      return Number(rows[0]?.bytes ?? Number.NaN);
    });
  }

  async drop(): Promise<void> {
    await BenchDatabase.#admin(this.serverUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`),
    );
  }

  static async #admin<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await use(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
