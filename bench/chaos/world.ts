/**
 * What a chaos run stands on: the Fxiaoke emulator and the fake Slack Web API in this process, a
 * store the run owns, and the bridge replicas as real child processes (`node --import tsx
 * src/main.ts`) that the run kills with SIGKILL and starts again.
 *
 * The store is a seam (`StoreBackend`): SQLite (one replica on one file), Redis (a private
 * `redis-server` the run starts, kills and starts again; two replicas), PostgreSQL (a private
 * cluster stopped at once and started again; two replicas):
 * a backend gives the replicas their STORE_URL, can take the store away and bring it back, and
 * opens it for the checker with the project's own store code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { openStore } from '../../src/store/index.js';
import type { RelayStore } from '../../src/store/interface.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from '../../test/e2e/harness.js';
import { type BridgeProcess, BridgeProcesses, bridgeEnv, freePort } from '../../test/e2e/process-helpers.js';
import { PrivatePostgres } from '../../test/postgres-server.js';
import { PrivateRedis } from '../../test/redis-server.js';
import { installEnv, installWorkspace } from './install.js';
import type { SyncMode } from './plan.js';

export type BackendKind = 'sqlite' | 'redis' | 'postgres';

/** The store of a run. */
export interface StoreBackend {
  readonly kind: BackendKind;
  /** Replicas that share it (1 for SQLite: one process per file). */
  readonly replicas: number;
  /** Whether `outage()` can take it away. */
  readonly outages: boolean;
  /** STORE_URL and anything else the replicas need (REDIS_KEY_PREFIX, …). */
  env(): Record<string, string>;
  outage(): Promise<void>;
  restore(): Promise<void>;
  /** The same store, opened with the project's store code (for the checker). */
  open(): Promise<RelayStore>;
  cleanup(): Promise<void>;
}

class SqliteBackend implements StoreBackend {
  readonly kind = 'sqlite';
  readonly replicas = 1;
  readonly outages = false;
  constructor(private readonly path: string) {}
  env() {
    return { STORE_URL: `sqlite:${this.path}` };
  }
  async outage() {}
  async restore() {}
  open() {
    return openStore(`sqlite:${this.path}`);
  }
  async cleanup() {}
}

const REDIS_PREFIX = 'fxb-chaos:';

/** A private server two replicas share, that an outage takes away and `restore` brings back. */
interface PrivateServer {
  readonly url: string;
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * Redis (a private `redis-server`, killed as the outage) and PostgreSQL (a private cluster,
 * initdb + pg_ctl on a port of its own, stopped at once as a crash): two replicas share either.
 */
class ServerBackend implements StoreBackend {
  readonly replicas = 2;
  readonly outages = true;
  constructor(
    readonly kind: 'redis' | 'postgres',
    private readonly server: PrivateServer,
    readonly outage: () => Promise<void>,
    private readonly extraEnv: Record<string, string> = {},
  ) {}
  env() {
    return { STORE_URL: this.server.url, ...this.extraEnv };
  }
  restore() {
    return this.server.start();
  }
  open() {
    return openStore(this.server.url, this.kind === 'redis' ? { redisKeyPrefix: REDIS_PREFIX } : {});
  }
  cleanup() {
    return this.server.cleanup();
  }
}

export async function openBackend(kind: BackendKind, dir: string): Promise<StoreBackend> {
  switch (kind) {
    case 'sqlite':
      return new SqliteBackend(join(dir, 'data', 'fx-bridge.db'));
    case 'redis': {
      const server = await PrivateRedis.create('chaos campaign on Redis');
      if (!server) throw new Error('redis-server is not on PATH: run the Redis campaign where it is');
      return new ServerBackend('redis', server, () => server.kill(), { REDIS_KEY_PREFIX: REDIS_PREFIX });
    }
    case 'postgres': {
      const server = await PrivatePostgres.create('chaos campaign on PostgreSQL');
      if (!server)
        throw new Error('initdb and pg_ctl are not installed: run the PostgreSQL campaign where they are');
      return new ServerBackend('postgres', server, () => server.crash());
    }
  }
}

export interface WorldOptions {
  backend: BackendKind;
  /** FXIAOKE_RATE_LIMIT_CALLS / _WINDOW_MS of every replica: a budget that binds queues sends. */
  rateBudget: { calls: number; windowMs: number };
  sync: { edits: SyncMode; deletes: SyncMode };
  /** How long a response_url works (Slack: 30 minutes); a run compresses time, so may shorten it. */
  responseUrlTtlMs?: number;
  /** Passed to every replica (LOG_LEVEL, …), after the run's own settings. */
  extraEnv?: Record<string, string>;
  /** Install mode: the workspace installed and connected in the store before the replicas start. */
  install?: boolean;
}

export class Replica {
  process: BridgeProcess | undefined;
  /** Every process this replica ran, the killed ones included (their output, for the report). */
  readonly processes: BridgeProcess[] = [];
  constructor(
    readonly index: number,
    readonly port: number,
  ) {}
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get eventsUrl(): string {
    return `${this.baseUrl}/slack/events`;
  }
  get up(): boolean {
    return this.process?.running ?? false;
  }
}

/** A user of the emulator's directory who left the company: a relay to them is held. */
export interface People {
  reachable: string[];
  stopped: string;
}

export class World {
  readonly replicas: Replica[];
  readonly #children = new BridgeProcesses();
  #storeUp = true;

  private constructor(
    readonly emulator: FxiaokeEmulator,
    readonly slack: FakeSlackApi,
    readonly backend: StoreBackend,
    readonly dir: string,
    readonly options: WorldOptions,
    ports: number[],
  ) {
    this.replicas = ports.map((port, index) => new Replica(index, port));
  }

  static async start(options: WorldOptions): Promise<World> {
    const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-chaos-'));
    const emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      // A tenant whose service-account sends return an id, so relays can be revoked and updated.
      messageIdLocation: 'top',
    });
    const slack = await FakeSlackApi.start(
      options.responseUrlTtlMs !== undefined ? { responseUrlLifetimeMs: options.responseUrlTtlMs } : {},
    );
    const backend = await openBackend(options.backend, dir).catch(async (error: unknown) => {
      await Promise.all([emulator.stop(), slack.stop()]);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    });
    const ports: number[] = [];
    for (let i = 0; i < backend.replicas; i += 1) ports.push(await freePort());
    const world = new World(emulator, slack, backend, dir, options, ports);
    world.writeConfig(options.sync);
    if (options.install) await installWorkspace(backend, emulator);
    await Promise.all(world.replicas.map((replica) => world.startReplica(replica)));
    return world;
  }

  get people(): People {
    const users = this.emulator.options.users;
    return {
      reachable: users.filter((user) => !user.isStop).map((user) => user.openUserId),
      stopped: users.find((user) => user.isStop)!.openUserId,
    };
  }

  get storeUp(): boolean {
    return this.#storeUp;
  }

  get configFile(): string {
    return join(this.dir, 'fx-bridge.yml');
  }

  /** The config file every replica reads at start: sync modes, and no per-person send limit. */
  writeConfig(sync: { edits: SyncMode; deletes: SyncMode }): void {
    writeFileSync(
      this.configFile,
      `sync:\n  edits: ${sync.edits}\n  deletes: ${sync.deletes}\nlimits:\n  sendsPerUserPerMinute: 0\n`,
    );
  }

  env(replica: Replica): Record<string, string> {
    const { rateBudget } = this.options;
    const env = bridgeEnv({
      emulator: this.emulator,
      slack: this.slack,
      port: replica.port,
      configFile: this.configFile,
      storeUrl: '',
      extra: {
        ...this.backend.env(),
        // Short leases: a live replica takes a dead one's work over within the run's patience.
        LEASE_SECONDS: '3',
        FXIAOKE_RATE_LIMIT_CALLS: String(rateBudget.calls),
        FXIAOKE_RATE_LIMIT_WINDOW_MS: String(rateBudget.windowMs),
        LOG_LEVEL: 'warn',
        ...this.options.extraEnv,
      },
    });
    return this.options.install ? installEnv(env, this.emulator) : env;
  }

  /** Starts the replica (if it is not running) and waits until it answers /healthz. */
  async startReplica(replica: Replica): Promise<void> {
    if (replica.up) return;
    replica.process = this.#children.start(['src/main.ts'], this.env(replica));
    replica.processes.push(replica.process);
    await replica.process.healthy(replica.baseUrl, 60_000);
  }

  async killReplica(replica: Replica): Promise<void> {
    await replica.process?.kill('SIGKILL');
  }

  async storeOutage(): Promise<void> {
    if (!this.backend.outages) return;
    this.#storeUp = false;
    await this.backend.outage();
  }

  async storeBack(): Promise<void> {
    if (this.#storeUp) return;
    await this.backend.restore();
    this.#storeUp = true;
  }

  /** The replica a request goes to: the one drawn, or another that is up (a load balancer's health check). */
  route(drawn: number): Replica | undefined {
    const first = this.replicas[drawn % this.replicas.length]!;
    if (first.up) return first;
    return this.replicas.find((replica) => replica.up) ?? first;
  }

  /** Every replica's output, process by process, for a run that went wrong. */
  outputs(): string {
    return this.replicas
      .flatMap((replica) =>
        replica.processes.map(
          (process, n) => `--- replica ${replica.index}, process ${n + 1} ---\n${process.output}`,
        ),
      )
      .join('\n');
  }

  async stop(): Promise<void> {
    await this.#children.killAll();
    await Promise.allSettled([this.emulator.stop(), this.slack.stop(), this.backend.cleanup()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
