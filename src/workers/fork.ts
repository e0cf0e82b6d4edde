/**
 * RELAY_WORKERS=fork: the receiver forks one worker process (workers/child.ts) in its own
 * container, tells it each hand-off through the fork's IPC channel, starts another if it dies,
 * and stops it after its own Slack side on a stop. The worker's lease owner id is chosen here, so
 * the receiver knows its sibling (lease.ts isOwnerGone) before the worker takes any lease.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { getPriority, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { PortableResponseUrl } from '../slack/jobs/answer.js';
import type { HandedOffRevoke, HandedOffUpdate } from '../slack/jobs/port.js';
import { type HandedOff, isFromWorker, type ToWorker } from './protocol.js';

/** How much lower the worker's CPU priority is than the receiver's (nice steps). */
const WORKER_NICENESS = 10;

/** Restarts after a death, growing while the worker keeps dying at start. */
const RESTART_MS = [100, 500, 1_000, 2_000, 5_000];

/** The worker entry next to this file: TypeScript under tsx (development, tests), JavaScript built. */
function workerEntry(): { path: string; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  const path = fileURLToPath(new URL(ts ? './child.ts' : './child.js', import.meta.url));
  return { path, execArgv: ts ? ['--import', import.meta.resolve('tsx')] : [] };
}

export class ForkedWorker {
  #child: ChildProcess | undefined;
  #instanceId = '';
  #ready = false;
  #stopping = false;
  #failures = 0;
  #restart: NodeJS.Timeout | undefined;
  /** Told this turn of the event loop, sent together. */
  #batch: HandedOff[] = [];
  #flush: NodeJS.Immediate | undefined;
  /**
   * Told within a lease's time, oldest first: told again to the next worker should this one die
   * before claiming them (the claim is a compare-and-set, so telling twice is harmless). Older ones
   * need no telling: the receiver's lease on them ran out and any worker's takeover sweep takes them.
   */
  #recent: (HandedOff & { at: number })[] = [];
  /** Revokes and updates told within a lease's time, oldest first, told again to a replacement as sends are. */
  #recentClaims: { message: ToWorker; at: number }[] = [];
  /** Metrics asked of the worker, by request id, until it answers or the wait runs out. */
  readonly #metricsAsked = new Map<number, (metrics: unknown[] | undefined) => void>();
  #metricsId = 0;

  constructor(
    private readonly config: Config,
    private readonly receiverId: string,
    private readonly log: Logger,
    private readonly leaseMs: number,
  ) {}

  /** The lease owner of the worker running now (or starting): the receiver's sibling. */
  siblings(): string[] {
    return this.#instanceId ? [this.#instanceId] : [];
  }

  /** The worker's process id, for operators and tests. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    if (this.#stopping) return;
    const { path, execArgv } = workerEntry();
    this.#instanceId = `fxb_${randomUUID()}`;
    this.#ready = false;
    const child = fork(path, [], { execArgv, stdio: 'inherit', serialization: 'json' });
    this.#child = child;
    // Acks first, across processes too: when both want the CPU (one core, a busy host), the kernel
    // gives this process the larger share, as the work queue gave acks the event loop before.
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, Math.min(19, getPriority() + WORKER_NICENESS));
      } catch (error) {
        this.log.debug({ err: error }, 'could not lower the relay worker’s CPU priority');
      }
    }
    child.on('message', (message: unknown) => {
      if (!isFromWorker(message)) return;
      if (message.type === 'metrics') {
        this.#metricsAsked.get(message.id)?.(message.metrics);
        return;
      }
      if (message.type === 'ready') {
        this.#ready = true;
        this.#failures = 0;
        this.log.info({ pid: child.pid }, 'relay worker ready');
        this.#forgetOld();
        if (this.#recent.length > 0)
          this.#send({ type: 'handed-off', relays: this.#recent.map(({ at: _, ...told }) => told) });
        for (const { message } of this.#recentClaims) this.#send(message);
      } else {
        this.log.error({ reason: message.message }, 'relay worker could not start');
      }
    });
    // A send to a worker that just died fails: the hand-off stays in the store for the next one.
    child.on('error', (error) => this.log.warn({ err: error }, 'relay worker channel error'));
    child.on('exit', (code, signal) => {
      if (this.#child === child) this.#child = undefined;
      this.#ready = false;
      if (this.#stopping) return;
      const delay = RESTART_MS[Math.min(this.#failures, RESTART_MS.length - 1)] ?? 5_000;
      this.#failures++;
      this.log.warn({ code, signal, restartInMs: delay }, 'relay worker exited; starting another');
      this.#restart = setTimeout(() => this.start(), delay);
    });
    // No quiet start after a death: the Fxiaoke budget is in the store (on SQLite too), so the new
    // worker finds the dead one's calls of the last window there (store/sqlite-rate-limiter.ts).
    this.#send({
      type: 'start',
      config: this.config,
      instanceId: this.#instanceId,
      receiverId: this.receiverId,
    });
  }

  /**
   * The running worker's metrics (prom-client's JSON), for the receiver's `/metrics`; undefined
   * when no worker is ready or it does not answer within `timeoutMs` (a scrape is never held up
   * longer than that).
   */
  metrics(timeoutMs: number): Promise<unknown[] | undefined> {
    const child = this.#child;
    if (!this.#ready || !child?.connected) return Promise.resolve(undefined);
    this.#metricsId += 1;
    const id = this.#metricsId;
    return new Promise((resolve) => {
      const done = (metrics: unknown[] | undefined) => {
        clearTimeout(timer);
        this.#metricsAsked.delete(id);
        resolve(metrics);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.#metricsAsked.set(id, done);
      this.#send({ type: 'metrics', id });
    });
  }

  /**
   * A hand-off: told to the worker in this turn's batch, and remembered for a lease's time. The
   * door's response_url goes along, so the worker answers where the receiver would have.
   */
  notify(relayId: string, responseUrl?: PortableResponseUrl): void {
    const told: HandedOff = responseUrl ? { relayId, responseUrl } : { relayId };
    this.#recent.push({ ...told, at: Date.now() });
    this.#batch.push(told);
    this.#flush ??= setImmediate(() => {
      this.#flush = undefined;
      const relays = this.#batch;
      this.#batch = [];
      this.#forgetOld();
      // Not ready (starting, or restarting after a death): told on its 'ready' from #recent.
      if (this.#ready) this.#send({ type: 'handed-off', relays });
    });
  }

  /**
   * A revoke: its relays are claimed for revoking under this receiver's lease; the worker claims
   * them from it, calls Fxiaoke and answers. Told at once (revokes are few), remembered like sends.
   */
  notifyRevoke(revoke: HandedOffRevoke): void {
    this.#tellClaim({ type: 'revoke', revoke });
  }

  /** An update, claimed under this receiver's lease: told as a revoke is. */
  notifyUpdate(update: HandedOffUpdate): void {
    this.#tellClaim({ type: 'update', update });
  }

  #tellClaim(message: ToWorker): void {
    this.#forgetOld();
    this.#recentClaims.push({ message, at: Date.now() });
    // Not ready: told on its 'ready' from #recentClaims.
    if (this.#ready) this.#send(message);
  }

  #forgetOld(): void {
    const since = Date.now() - this.leaseMs;
    let old = 0;
    while (old < this.#recent.length && (this.#recent[old]?.at ?? 0) < since) old++;
    if (old > 0) this.#recent.splice(0, old);
    let oldClaims = 0;
    while (oldClaims < this.#recentClaims.length && (this.#recentClaims[oldClaims]?.at ?? 0) < since)
      oldClaims++;
    if (oldClaims > 0) this.#recentClaims.splice(0, oldClaims);
  }

  /** Stops the worker: SIGTERM (it drains what it started), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restart);
    clearImmediate(this.#flush);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  #send(message: ToWorker): void {
    const child = this.#child;
    if (!child?.connected) return;
    child.send(message, (error) => {
      if (error) this.log.debug({ err: error }, 'relay worker did not take a message');
    });
  }
}
