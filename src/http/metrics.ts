/** Prometheus metrics (prom-client), one registry per bridge so tests can run several. */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { FxiaokeCallEvent } from '../fxiaoke/client.js';

export class BridgeMetrics {
  readonly registry = new Registry();
  readonly relays = new Counter({
    name: 'fxbridge_relays_total',
    help: 'Relays finished, by final status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly revokes = new Counter({
    name: 'fxbridge_revokes_total',
    help: 'Revoke requests, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly fxiaokeCalls = new Counter({
    name: 'fxbridge_fxiaoke_calls_total',
    help: 'HTTP calls to Fxiaoke, by path and errorCode (transport failures have errorCode "none")',
    labelNames: ['path', 'error_code'] as const,
    registers: [this.registry],
  });
  readonly fxiaokeLatency = new Histogram({
    name: 'fxbridge_fxiaoke_call_seconds',
    help: 'Fxiaoke call latency',
    labelNames: ['path'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly tokenFetches = new Counter({
    name: 'fxbridge_fxiaoke_token_fetches_total',
    help: 'Fxiaoke tokens issued to this process',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  observeFxiaokeCall(event: FxiaokeCallEvent): void {
    const errorCode = event.errorCode === undefined ? 'none' : String(event.errorCode);
    this.fxiaokeCalls.inc({ path: event.path, error_code: errorCode });
    this.fxiaokeLatency.observe({ path: event.path }, event.durationMs / 1000);
  }
}
