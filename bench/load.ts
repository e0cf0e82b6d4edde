/**
 * The load generator, a child process of bench/run.ts so it does not share the target's event
 * loop. Open loop: sends are scheduled on a timer at the offered rate whatever the target answers,
 * so a slow target meets more requests in flight, not fewer (closed loops hide overload).
 * Every request is a real Slack slash command (form-encoded, signed, with a fresh trigger_id) or,
 * for the routed channel, a real Events API delivery of a new message (JSON, signed, its own ts).
 */
import { Pool } from 'undici';
import { signSlackRequest, slashCommandBody, TEAM_ID } from '../dev/fakes/slack-requests.js';
import { serve } from './ipc.js';
import {
  BENCH_AUTHOR,
  type LoadJob,
  type LoadRequest,
  type LoadResult,
  type LoadSample,
} from './protocol.js';

function errorKind(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return error instanceof Error ? error.name : 'unknown_error';
}

function requestBody(job: LoadJob, seq: number): { body: string; contentType: string } {
  if (job.kind !== 'message') {
    const body = slashCommandBody({
      text: `${job.recipients} bench-${job.stage}-${seq}`,
      response_url: job.responseUrl,
    });
    return { body, contentType: 'application/x-www-form-urlencoded' };
  }
  // A ts per message, unique within the run: the stage in the seconds, the sequence in the fraction.
  const ts = `${1_800_000_000 + job.stage}.${String(seq).padStart(6, '0')}`;
  const body = JSON.stringify({
    type: 'event_callback',
    team_id: TEAM_ID,
    api_app_id: 'A0TEST',
    event_id: `EvBENCH${job.stage}X${seq}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'message',
      channel: job.channel,
      user: BENCH_AUTHOR,
      text: `bench-${job.stage}-${seq}`,
      ts,
      event_ts: ts,
      channel_type: 'channel',
      team: TEAM_ID,
    },
    authorizations: [{ team_id: TEAM_ID, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
  });
  return { body, contentType: 'application/json' };
}

async function run(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const pool = new Pool(url.origin, {
    connections: job.connections,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    // Far past Slack's 3 s: a late ack is measured, not turned into an error here.
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const samples: LoadSample[] = [];
  const errors: Record<string, number> = {};
  const count = (kind: string) => {
    errors[kind] = (errors[kind] ?? 0) + 1;
  };
  const outstanding = new Set<Promise<void>>();
  /** Set once the drain is over: answers after it (or the pool's own destroy errors) are not counted. */
  let closed = false;
  const total = Math.max(1, Math.round((job.rate * job.durationMs) / 1000));
  const intervalMs = 1000 / job.rate;

  const fire = (seq: number) => {
    const { body, contentType } = requestBody(job, seq);
    const headers = { 'content-type': contentType, ...signSlackRequest(job.signingSecret, body) };
    const sentAt = Date.now();
    const started = performance.now();
    const request = pool
      .request({ path: url.pathname, method: 'POST', headers, body })
      .then(async (response) => {
        await response.body.dump();
        if (closed) return;
        samples.push([seq, sentAt, performance.now() - started, response.statusCode]);
        if (response.statusCode !== 200) count(`http_${response.statusCode}`);
      })
      .catch((error: unknown) => {
        if (closed) return;
        samples.push([seq, sentAt, performance.now() - started, 0]);
        count(errorKind(error));
      })
      .finally(() => outstanding.delete(request));
    outstanding.add(request);
  };

  let sent = 0;
  let maxLagMs = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
      while (sent < due) {
        maxLagMs = Math.max(maxLagMs, now - (start + sent * intervalMs));
        fire(sent);
        sent += 1;
      }
      if (sent >= total) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
    };
    tick();
  });
  const sendWindowMs = performance.now() - start;

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, job.drainMs);
  });
  await Promise.race([Promise.allSettled([...outstanding]), deadline]);
  clearTimeout(timer);
  // Still unanswered after the drain: counted as errors and left out of the latencies.
  if (outstanding.size > 0) errors.no_answer = outstanding.size;
  closed = true;
  await pool.destroy().catch(() => undefined);
  return { stage: job.stage, rate: job.rate, sendWindowMs, sent, errors, maxLagMs, samples };
}

serve<LoadRequest>(async (request) => {
  if (request.op === 'exit') {
    setTimeout(() => process.exit(0), 10);
    return null;
  }
  return run(request);
});
