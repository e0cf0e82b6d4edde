/**
 * A private `redis-server` for tests that take Redis away mid-run (an outage, a restart): its own
 * port and temp directory, append-only persistence with an fsync per write, so whatever Redis
 * acknowledged before a SIGKILL is there after `start()` again. Never the shared Redis on 6379.
 *
 *   const redis = await PrivateRedis.create();   // undefined (and a console warning) without redis-server
 *   redis.url                                     // redis://127.0.0.1:<port>
 *   await redis.kill();  await redis.start();     // outage and return, same port and data
 *   await redis.stop();                           // or a clean SHUTDOWN NOSAVE instead of the kill
 *   await redis.cleanup();                        // kill and remove the directory
 *
 * Extra `redis-server` arguments (`['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru']`)
 * come after the defaults, so they may override them; they apply to every start().
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './e2e/process-helpers.js';
import { waitFor } from './poll.js';

const BINARY = 'redis-server';

/** True when `redis-server` runs here; otherwise says so on the console (a skip must be seen). */
export function redisServerAvailable(what: string): boolean {
  const probe = spawnSync(BINARY, ['--version'], { stdio: 'ignore' });
  const available = probe.error === undefined && probe.status === 0;
  if (!available) {
    console.warn(`\n⚠ ${BINARY} not found on PATH — ${what} tests SKIPPED (install Redis to run them)\n`);
  }
  return available;
}

async function answersPing(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export class PrivateRedis {
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly extraArgs: readonly string[],
  ) {}

  /** Starts a server on a free port in a fresh temp directory; undefined when there is no binary. */
  static async create(
    what = 'private Redis',
    extraArgs: readonly string[] = [],
  ): Promise<PrivateRedis | undefined> {
    if (!redisServerAvailable(what)) return undefined;
    const server = new PrivateRedis(
      await freePort(),
      await mkdtemp(join(tmpdir(), 'fx-bridge-redis-')),
      extraArgs,
    );
    try {
      await server.start();
    } catch (error) {
      await server.cleanup();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts (again) on the same port and directory and waits until it answers PING. */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.running) return;
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
      ...this.extraArgs,
    ];
    this.#output = '';
    const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    // A test worker that dies must not leave a server behind on its port.
    const orphan = () => child.kill('SIGKILL');
    process.once('exit', orphan);
    child.once('exit', () => process.off('exit', orphan));
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const outcome = await waitFor(
      async () => {
        if (!this.running) return 'exited';
        if (await answersPing(this.url)) return 'ready';
        throw new Error('no PONG yet');
      },
      { timeout: timeoutMs, interval: 25 },
    ).catch(() => 'silent' as const);
    if (outcome === 'exited') throw new Error(`redis-server on port ${this.port} exited:\n${this.#output}`);
    if (outcome === 'silent') {
      await this.kill();
      throw new Error(
        `redis-server on port ${this.port} did not answer PING within ${timeoutMs} ms:\n${this.#output}`,
      );
    }
  }

  /** SIGKILL, as an outage: no shutdown save, only what the AOF already holds survives. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** SHUTDOWN NOSAVE: a clean stop (the AOF is already on disk); SIGKILL if it has not exited in 5 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    const client = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    // The server closes the connection instead of answering: the rejection is the success.
    await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    client.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Kills the server and removes its directory. */
  async cleanup(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
