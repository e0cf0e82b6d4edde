/** Prometheus metrics (prom-client), one registry per bridge so tests can run several. */
import {
  AggregatorRegistry,
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';
import type { FxiaokeCallEvent } from '../fxiaoke/client.js';
import type { RelayRecord, RelayStatus } from '../relay/types.js';
import { isStoreRefusal } from '../store/errors.js';
import type { RelayStore } from '../store/interface.js';

/**
 * Store errors that are answers, not failures: a lost compare-and-set, an unknown id, a Slack
 * message already mapped. Counting them would page someone for a double click.
 */

export interface BridgeMetricsOptions {
  defaultMetrics?: boolean;
  /**
   * Install mode: relays, revokes, Fxiaoke calls and token fetches also carry a `tenant` label (the
   * installation key, `T:<team>` or `E:<enterprise>`). The single-workspace series stay as they are.
   */
  perTenant?: boolean;
}

export class BridgeMetrics {
  readonly registry = new Registry();
  readonly perTenant: boolean;
  readonly relays: Counter<string>;
  readonly revokes: Counter<string>;
  readonly fxiaokeCalls: Counter<string>;
  readonly fxiaokeLatency: Histogram<string>;
  readonly tokenFetches: Counter<string>;
  // Slack gives up after 3 s; the buckets are dense below that, where a regression shows first.
  readonly slackAck = new Histogram({
    name: 'fxbridge_slack_ack_seconds',
    help: 'Time from a Slack request reaching the app to its ack, by payload type',
    labelNames: ['type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
    registers: [this.registry],
  });
  readonly relayLatency: Histogram<string>;
  readonly storeErrors = new Counter({
    name: 'fxbridge_store_errors_total',
    help: 'Relay store calls that failed (conflicts excluded), by store operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly takeovers = new Counter({
    name: 'fxbridge_takeovers_total',
    help: 'Recorded relays this process took over from a stopped process or replica, by the status they were in',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly queueDepth: Gauge;
  readonly rateLimitQueue: Gauge;
  readonly relayBacklog: Gauge;
  #relayBacklogSource: () => number = () => 0;
  #queueDepthSource: () => number = () => 0;
  #rateLimitQueueSource: () => number = () => 0;
  readonly #others: (() => Promise<unknown[] | undefined>)[] = [];

  constructor(options: BridgeMetricsOptions = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.perTenant = options.perTenant ?? false;
    const tenant = this.perTenant ? ['tenant'] : [];
    const registers = [this.registry];
    this.relays = new Counter({
      name: 'fxbridge_relays_total',
      help: 'Relays finished, by final status',
      labelNames: ['status', ...tenant],
      registers,
    });
    this.revokes = new Counter({
      name: 'fxbridge_revokes_total',
      help: 'Revoke requests, by outcome',
      labelNames: ['outcome', ...tenant],
      registers,
    });
    this.fxiaokeCalls = new Counter({
      name: 'fxbridge_fxiaoke_calls_total',
      help: 'HTTP calls to Fxiaoke, by path and errorCode (transport failures have errorCode "none")',
      labelNames: ['path', 'error_code', ...tenant],
      registers,
    });
    this.fxiaokeLatency = new Histogram({
      name: 'fxbridge_fxiaoke_call_seconds',
      help: 'Fxiaoke call latency',
      labelNames: ['path', ...tenant],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.tokenFetches = new Counter({
      name: 'fxbridge_fxiaoke_token_fetches_total',
      help: 'Fxiaoke tokens issued to this process',
      labelNames: [...tenant],
      registers,
    });
    this.relayLatency = new Histogram({
      name: 'fxbridge_relay_seconds',
      help: 'Intake to send: from the request being recorded (before the ack) to its final status',
      labelNames: ['status', ...tenant],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers,
    });
    const source = () => this.#queueDepthSource();
    this.queueDepth = new Gauge({
      name: 'fxbridge_queue_depth',
      help: 'Work under way after the ack in this process (relays, revokes, recovery notices); a stop awaits it',
      registers: [this.registry],
      // Read at scrape time: the in-flight set is the truth, and a gauge kept in step could drift.
      collect() {
        this.set(source());
      },
    });
    const backlog = () => this.#relayBacklogSource();
    this.relayBacklog = new Gauge({
      name: 'fxbridge_relay_backlog',
      help: 'Relays recorded and acked, waiting in this process for a free worker slot (RELAY_CONCURRENCY)',
      registers: [this.registry],
      collect() {
        this.set(backlog());
      },
    });
    const waiting = () => this.#rateLimitQueueSource();
    this.rateLimitQueue = new Gauge({
      name: 'fxbridge_fxiaoke_rate_limit_queue',
      help: 'Fxiaoke calls of this process waiting for the rate budget (queued, not failed)',
      registers: [this.registry],
      collect() {
        this.set(waiting());
      },
    });
  }

  /**
   * Metrics of another process shown with this one's (a forked relay worker's, labelled apart):
   * prom-client's JSON of its registry, or undefined when it has none to give just now.
   */
  showAlso(source: () => Promise<unknown[] | undefined>): void {
    this.#others.push(source);
  }

  /** The text `/metrics` serves: this process's metrics, and those of the processes shown with it. */
  async render(): Promise<string> {
    if (this.#others.length === 0) return this.registry.metrics();
    const others = await Promise.all(this.#others.map((source) => source().catch(() => undefined)));
    const given = others.filter((json): json is unknown[] => json !== undefined && json.length > 0);
    if (given.length === 0) return this.registry.metrics();
    // prom-client's own merge of registries (made for cluster workers): one family per name. The
    // other process's series carry a label of their own, so nothing is summed across processes;
    // and none is dropped (prom-client omits process_start_time_seconds: each process has its own).
    const keepEach = (metrics: MetricObjectWithValues<MetricValue<string>>[]) =>
      metrics.map((metric) =>
        metric.aggregator === 'omit' ? { ...metric, aggregator: 'first' as const } : metric,
      );
    const merged = AggregatorRegistry.aggregate([
      keepEach(await this.registry.getMetricsAsJSON()),
      ...(given as MetricObjectWithValues<MetricValue<string>>[][]).map(keepEach),
    ]);
    return merged.metrics();
  }

  /** Where `fxbridge_relay_backlog` reads from (received relays waiting for a free worker slot). */
  trackRelayBacklog(source: () => number): void {
    this.#relayBacklogSource = source;
  }

  /** Where `fxbridge_fxiaoke_rate_limit_queue` reads from (this process's waiting Fxiaoke calls). */
  trackRateLimitQueue(source: () => number): void {
    this.#rateLimitQueueSource = source;
  }

  /** Where `fxbridge_queue_depth` reads from (the bridge's in-flight work). */
  trackQueueDepth(source: () => number): void {
    this.#queueDepthSource = source;
  }

  /** `{ tenant }` in install mode (the installation key; `none` where no tenant is known), else nothing. */
  #tenant(tenant: string | undefined): { tenant?: string } {
    return this.perTenant ? { tenant: tenant ?? 'none' } : {};
  }

  observeFxiaokeCall(event: FxiaokeCallEvent, tenant?: string): void {
    const errorCode = event.errorCode === undefined ? 'none' : String(event.errorCode);
    this.fxiaokeCalls.inc({ path: event.path, error_code: errorCode, ...this.#tenant(tenant) });
    this.fxiaokeLatency.observe({ path: event.path, ...this.#tenant(tenant) }, event.durationMs / 1000);
  }

  observeRevoke(outcome: string, tenant?: string): void {
    this.revokes.inc({ outcome, ...this.#tenant(tenant) });
  }

  observeTokenFetch(tenant?: string): void {
    this.tokenFetches.inc(this.#tenant(tenant));
  }

  observeAck(type: string, seconds: number): void {
    this.slackAck.observe({ type }, seconds);
  }

  observeRelayFinished(status: RelayStatus, record: RelayRecord, now: number): void {
    const labels = { status, ...this.#tenant(record.installation) };
    this.relays.inc(labels);
    this.relayLatency.observe(labels, Math.max(0, now - record.createdAt) / 1000);
  }

  /**
   * The same store, counting every failed call in `fxbridge_store_errors_total`: relay writes
   * (and each of their retries), readiness pings, recovery, retention. One wrapper instead of a
   * counter at every call site, so a new caller cannot forget it.
   */
  instrumentStore(store: RelayStore): RelayStore {
    const count = (operation: string, error: unknown) => {
      if (isStoreRefusal(error)) return;
      this.storeErrors.inc({ operation });
    };
    return new Proxy(store, {
      get(target, property) {
        // Receiver = target: stores keep state in #private fields, which a proxy cannot reach.
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') {
          return value;
        }
        return (...args: unknown[]) => {
          let result: unknown;
          try {
            result = value.apply(target, args);
          } catch (error) {
            count(property, error);
            throw error;
          }
          if (!(result instanceof Promise)) return result;
          return result.catch((error: unknown) => {
            count(property, error);
            throw error;
          });
        };
      },
    });
  }
}
