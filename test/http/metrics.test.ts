/** The operations metrics: unit behaviour of BridgeMetrics, then the real /metrics of a running bridge. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BridgeMetrics } from '../../src/http/metrics.js';
import { ackType } from '../../src/slack/app.js';
import { MemoryRelayStore } from '../../src/store/memory-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { Harness } from '../e2e/harness.js';
import { makeRecord } from '../store/records.js';

async function scrape(metrics: BridgeMetrics): Promise<string> {
  return metrics.registry.metrics();
}

/** The value of one sample line, e.g. `fxbridge_queue_depth 2` → 2; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((each) => each.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('BridgeMetrics', () => {
  it('records ack latency by payload type', async () => {
    const metrics = new BridgeMetrics({ defaultMetrics: false });
    metrics.observeAck('slash_command', 0.012);
    metrics.observeAck('slash_command', 0.02);
    metrics.observeAck('block_actions', 0.3);
    const text = await scrape(metrics);
    expect(sample(text, 'fxbridge_slack_ack_seconds_count{type="slash_command"}')).toBe(2);
    expect(sample(text, 'fxbridge_slack_ack_seconds_bucket{le="0.025",type="slash_command"}')).toBe(2);
    expect(sample(text, 'fxbridge_slack_ack_seconds_bucket{le="0.25",type="block_actions"}')).toBe(0);
    expect(sample(text, 'fxbridge_slack_ack_seconds_bucket{le="0.5",type="block_actions"}')).toBe(1);
  });

  it('counts finished relays and their end-to-end latency from the relay’s creation', async () => {
    const metrics = new BridgeMetrics({ defaultMetrics: false });
    const record = makeRecord({ status: 'sent', createdAt: 1_000_000 });
    metrics.observeRelayFinished('sent', record, 1_000_000 + 1_500);
    metrics.observeRelayFinished('partial', { ...record, status: 'partial' }, 1_000_000 + 40_000);
    const text = await scrape(metrics);
    expect(sample(text, 'fxbridge_relays_total{status="sent"}')).toBe(1);
    expect(sample(text, 'fxbridge_relay_seconds_sum{status="sent"}')).toBeCloseTo(1.5);
    expect(sample(text, 'fxbridge_relay_seconds_bucket{le="2.5",status="sent"}')).toBe(1);
    expect(sample(text, 'fxbridge_relay_seconds_bucket{le="30",status="partial"}')).toBe(0);
    expect(sample(text, 'fxbridge_relay_seconds_count{status="partial"}')).toBe(1);
  });

  it('reads the queue depth at scrape time', async () => {
    const metrics = new BridgeMetrics({ defaultMetrics: false });
    expect(sample(await scrape(metrics), 'fxbridge_queue_depth')).toBe(0);
    let inFlight = 3;
    metrics.trackQueueDepth(() => inFlight);
    expect(sample(await scrape(metrics), 'fxbridge_queue_depth')).toBe(3);
    inFlight = 1;
    expect(sample(await scrape(metrics), 'fxbridge_queue_depth')).toBe(1);
  });

  it('counts failed store calls by operation, and leaves conflicts and results alone', async () => {
    const metrics = new BridgeMetrics({ defaultMetrics: false });
    // SQLite keeps its state in #private fields: the wrapper must call through to the real object.
    const raw = openSqliteStore({ path: ':memory:' });
    const store = metrics.instrumentStore(raw);
    const record = makeRecord({ status: 'sent' });
    expect((await store.create(record)).created).toBe(true);
    expect((await store.findById(record.id))?.id).toBe(record.id);
    await expect(store.update(record.id, { status: 'revoked' }, 'pending')).rejects.toMatchObject({
      code: 'store_conflict',
    });
    await expect(store.update('rl_missing', { status: 'sent' })).rejects.toMatchObject({
      code: 'relay_not_found',
    });
    expect(sample(await scrape(metrics), 'fxbridge_store_errors_total{operation="update"}')).toBeUndefined();

    await raw.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'store_error' });
    await expect(store.ping()).rejects.toThrow(/closed/);
    await expect(store.findById(record.id)).rejects.toThrow(/closed/);
    const text = await scrape(metrics);
    expect(sample(text, 'fxbridge_store_errors_total{operation="ping"}')).toBe(2);
    expect(sample(text, 'fxbridge_store_errors_total{operation="findById"}')).toBe(1);
  });

  it('keeps the store usable as before (instanceof, plain properties)', async () => {
    const metrics = new BridgeMetrics({ defaultMetrics: false });
    const store = metrics.instrumentStore(new MemoryRelayStore());
    expect(store).toBeInstanceOf(MemoryRelayStore);
    const record = makeRecord({ senderId: 'U0ONE' });
    await store.create(record);
    expect((await store.listBySender('U0ONE', 5)).map((each) => each.id)).toEqual([record.id]);
    await store.close();
  });

  it('labels acks by payload type, with a fixed set of labels', () => {
    expect(ackType({ command: '/fx-send', text: 'x' })).toBe('slash_command');
    expect(ackType({ type: 'block_actions' })).toBe('block_actions');
    expect(ackType({ type: 'view_submission' })).toBe('view_submission');
    expect(ackType({ type: 'message_action' })).toBe('message_action');
    expect(ackType({ type: 'something_new' })).toBe('other');
    expect(ackType({})).toBe('other');
  });
});

describe('BridgeMetrics.render with another process’s metrics (a forked relay worker)', () => {
  it('shows both processes’ series, labelled apart, and its own alone when the other gives none', async () => {
    const receiver = new BridgeMetrics();
    const worker = new BridgeMetrics();
    worker.registry.setDefaultLabels({ process: 'relay-worker' });
    worker.relays.inc({ status: 'sent' }, 3);
    receiver.relays.inc({ status: 'failed' });
    let answer: 'json' | 'none' | 'throw' = 'json';
    receiver.showAlso(async () => {
      if (answer === 'throw') throw new Error('the worker is gone');
      return answer === 'json' ? worker.registry.getMetricsAsJSON() : undefined;
    });
    const both = await receiver.render();
    expect(both).toContain('fxbridge_relays_total{status="sent",process="relay-worker"} 3');
    expect(both).toContain('fxbridge_relays_total{status="failed"} 1');
    expect(both.match(/^# TYPE fxbridge_relays_total counter$/gm)).toHaveLength(1);
    expect(both.match(/^process_start_time_seconds/gm)).toHaveLength(2);
    for (const given of ['none', 'throw'] as const) {
      answer = given;
      const alone = await receiver.render();
      expect(alone).toContain('fxbridge_relays_total{status="failed"} 1');
      expect(alone).not.toContain('relay-worker');
    }
  });
});

describe('/metrics of a running bridge', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('shows ack latency, relay latency, queue depth and store errors', async () => {
    harness = await Harness.start();
    const h = harness;
    const [alice] = h.emulator.options.users;
    const before = h.slack.messages.length;
    const { response } = await h.command(`${alice!.openUserId} metrics please`);
    expect(response.status).toBe(200);
    const record = await h.settledRelayFor(await h.receiptAfter(before));
    expect(record.status).toBe('sent');

    const metricsText = async () => (await fetch(`${h.baseUrl}/metrics`)).text();
    // The record settles a moment before the listener's last Slack call returns: wait for that too.
    const text = await vi.waitFor(
      async () => {
        const scraped = await metricsText();
        expect(sample(scraped, 'fxbridge_queue_depth')).toBe(0);
        return scraped;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(sample(text, 'fxbridge_slack_ack_seconds_count{type="slash_command"}')).toBe(1);
    expect(sample(text, 'fxbridge_slack_ack_seconds_bucket{le="3",type="slash_command"}')).toBe(1);
    expect(sample(text, 'fxbridge_relays_total{status="sent"}')).toBe(1);
    expect(sample(text, 'fxbridge_relay_seconds_count{status="sent"}')).toBe(1);
    expect(sample(text, 'fxbridge_queue_depth')).toBe(0);
    expect(text).toContain('# TYPE fxbridge_store_errors_total counter');
    expect(text).toContain('process_cpu_user_seconds_total');

    // A store that stops answering fails readiness and shows in the counter.
    await h.bridge.store.close();
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(sample(await metricsText(), 'fxbridge_store_errors_total{operation="ping"}')).toBe(1);
  });
});
