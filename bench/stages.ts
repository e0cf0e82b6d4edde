/**
 * One load stage: the load generator offers a fixed rate to a target for a fixed time; for the
 * bridge, the stage then waits until every acked command reached the emulator (or the drain time
 * ran out) and matches each send call to its command by the `bench-<stage>-<seq>` text.
 * End to end = emulator arrival time − the generator's send time: two processes, one machine clock.
 */
import type { BenchOptions } from './options.js';
import type { Harvest, LoadResult, OtherSend } from './protocol.js';
import { type Distribution, distribution, round, sleep } from './stats.js';
import { type Children, SIGNING_SECRET, type Target } from './targets.js';

export interface EndToEnd {
  /** Commands acked whose send call reached the emulator. */
  delivered: number;
  undelivered: number;
  /** Command sent → send call arrives at Fxiaoke. */
  arrival: Distribution;
  /** Command sent → Fxiaoke has answered the send call. */
  answered: Distribution;
  /** Delivered relays over the time from the first command to the last arrival. */
  relaysPerSecond: number;
  /** Non-zero Fxiaoke errorCodes (-1: no JSON answer). */
  fxiaokeErrors: Record<string, number>;
  /** chat.postMessage calls seen during the stage (one receipt per relay). */
  receipts: number;
  /** How long after the last ack the last relay arrived. */
  drainMs: number;
}

export interface StageOutcome {
  target: string;
  rate: number;
  durationMs: number;
  emulatorLatencyMs: number;
  sent: number;
  acked: number;
  errors: Record<string, number>;
  errorCount: number;
  /** Requests sent per second (should equal the offered rate unless the generator lagged). */
  achievedRate: number;
  /** Successful acks per second of the send window. */
  ackRate: number;
  ack: Distribution;
  /** Acks that took 3 s or more: Slack would have shown the user operation_timeout. */
  lateAcks: number;
  generatorMaxLagMs: number;
  /**
   * CPU of this process (where the bare app and the bridge's receiver run) per request sent, in ms,
   * from the first send to the end of the stage's drain: a figure a busy shared machine bends less
   * than latency. A forked relay worker's CPU is its own and not in it.
   */
  cpuMsPerRequest?: number;
  e2e?: EndToEnd;
}

type Delivery = [arrivedAt: number, answeredAt: number, errorCode: number];

export class StageRunner {
  #stage = 0;
  readonly #deliveries = new Map<number, Map<number, Delivery>>();
  /** Send calls without a bench text (the fan-out), in arrival order. */
  readonly others: OtherSend[] = [];
  tokenFetches = 0;
  /** Slack Web API calls by method since the last reset (each stage resets it). */
  slackCalls: Record<string, number> = {};

  constructor(
    readonly children: Children,
    readonly options: BenchOptions,
  ) {}

  /** Pulls what the fakes saw since last time into this runner's maps; returns how many calls that was. */
  async harvest(): Promise<number> {
    const harvest = await this.children.fakes.call<Harvest>({ op: 'harvest' });
    for (const [stage, seq, arrivedAt, answeredAt, code] of harvest.sends) {
      let map = this.#deliveries.get(stage);
      if (!map) {
        map = new Map();
        this.#deliveries.set(stage, map);
      }
      map.set(seq, [arrivedAt, answeredAt, code]);
    }
    this.others.push(...harvest.others);
    this.tokenFetches = harvest.tokenFetches;
    let slackCalls = harvest.responseUrlPosts;
    for (const [method, count] of Object.entries(harvest.slackCalls)) {
      this.slackCalls[method] = (this.slackCalls[method] ?? 0) + count;
      slackCalls += count;
    }
    return harvest.sends.length + harvest.others.length + slackCalls;
  }

  /**
   * Waits (bounded by the drain time) until the fakes have seen nothing for `quietMs`: the tail of
   * a stage (late relays, receipts, failure notices) must not run into the next measurement.
   */
  async settle(quietMs = 600): Promise<void> {
    const deadline = Date.now() + this.options.drainMs;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      if ((await this.harvest()) > 0) quietSince = Date.now();
      else if (Date.now() - quietSince >= quietMs) return;
      await sleep(150);
    }
  }

  async setEmulatorLatency(ms: number): Promise<void> {
    await this.children.fakes.call({ op: 'latency', ms });
  }

  /** Unmeasured: JIT, keep-alive connections, the bridge's first token fetch. */
  async warmup(target: Target, relays: boolean): Promise<void> {
    await this.run(target, 50, this.options.warmupMs, { e2e: relays, emulatorLatencyMs: 0 });
  }

  async run(
    target: Target,
    rate: number,
    durationMs: number,
    settings: { e2e: boolean; emulatorLatencyMs: number; messagesIn?: string },
  ): Promise<StageOutcome> {
    this.#stage += 1;
    const stage = this.#stage;
    await this.harvest();
    this.slackCalls = {};
    const cpuBefore = process.cpuUsage();
    const result = await this.children.load.call<LoadResult>({
      op: 'run',
      url: target.url,
      signingSecret: SIGNING_SECRET,
      rate,
      durationMs,
      stage,
      recipients: '1000',
      // New messages in a (routed) channel instead of slash commands.
      ...(settings.messagesIn ? { kind: 'message' as const, channel: settings.messagesIn } : {}),
      responseUrl: this.children.fakesInfo.responseUrl,
      connections: this.options.connections,
      drainMs: this.options.drainMs,
    });
    const ok = result.samples.filter((sample) => sample[3] === 200);
    const errorCount = Object.values(result.errors).reduce((total, n) => total + n, 0);
    const windowSeconds = Math.max(result.sendWindowMs, 1) / 1000;
    const outcome: StageOutcome = {
      target: target.name,
      rate,
      durationMs,
      emulatorLatencyMs: settings.emulatorLatencyMs,
      sent: result.sent,
      acked: ok.length,
      errors: result.errors,
      errorCount,
      achievedRate: round(result.sent / windowSeconds, 1),
      ackRate: round(ok.length / windowSeconds, 1),
      ack: distribution(ok.map((sample) => sample[2])),
      lateAcks: ok.filter((sample) => sample[2] >= 3000).length,
      generatorMaxLagMs: round(result.maxLagMs),
    };
    if (settings.e2e) outcome.e2e = await this.#endToEnd(stage, result);
    await this.settle();
    const cpu = process.cpuUsage(cpuBefore);
    outcome.cpuMsPerRequest = round((cpu.user + cpu.system) / 1000 / Math.max(result.sent, 1), 3);
    return outcome;
  }

  async #endToEnd(stage: number, result: LoadResult): Promise<EndToEnd> {
    const acked = result.samples.filter((sample) => sample[3] === 200);
    const lastAck = acked.reduce((latest, sample) => Math.max(latest, sample[1] + sample[2]), 0);
    const deadline = Date.now() + this.options.drainMs;
    let deliveries = this.#deliveries.get(stage) ?? new Map<number, Delivery>();
    for (;;) {
      await this.harvest();
      deliveries = this.#deliveries.get(stage) ?? deliveries;
      if (acked.every((sample) => deliveries.has(sample[0])) || Date.now() > deadline) break;
      await sleep(200);
    }
    const arrival: number[] = [];
    const answered: number[] = [];
    const fxiaokeErrors: Record<string, number> = {};
    let firstSend = Number.POSITIVE_INFINITY;
    let lastArrival = 0;
    for (const [seq, sentAt] of result.samples) {
      const delivery = deliveries.get(seq);
      if (!delivery) continue;
      const [arrivedAt, answeredAt, code] = delivery;
      arrival.push(arrivedAt - sentAt);
      answered.push(answeredAt - sentAt);
      firstSend = Math.min(firstSend, sentAt);
      lastArrival = Math.max(lastArrival, arrivedAt);
      if (code !== 0) fxiaokeErrors[String(code)] = (fxiaokeErrors[String(code)] ?? 0) + 1;
    }
    const delivered = arrival.length;
    return {
      delivered,
      undelivered: acked.filter((sample) => !deliveries.has(sample[0])).length,
      arrival: distribution(arrival),
      answered: distribution(answered),
      relaysPerSecond:
        delivered > 0 ? round(delivered / (Math.max(lastArrival - firstSend, 1) / 1000), 1) : 0,
      fxiaokeErrors,
      receipts: this.slackCalls['chat.postMessage'] ?? 0,
      drainMs: Math.max(0, lastArrival - lastAck),
    };
  }
}
