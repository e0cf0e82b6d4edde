/**
 * Health, readiness and metrics, served as Bolt custom routes so they exist on the same port in
 * HTTP and Socket Mode. `/healthz`: the process answers. `/readyz`: the store answers and the
 * Fxiaoke credentials yield a token (cached, so probes do not call the token endpoint), and in
 * Socket Mode a socket to Slack is up (without one, nothing Slack sends reaches this replica).
 */
import type { ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { FxiaokeApi } from '../fxiaoke/interface.js';
import type { RelayStore } from '../store/interface.js';
import type { BridgeMetrics } from './metrics.js';

export interface RouteDeps {
  store: RelayStore;
  fxiaoke: FxiaokeApi;
  metrics: BridgeMetrics;
  /** Readiness checks that take longer count as failed (default 2000 ms). */
  checkTimeoutMs?: number;
  isShuttingDown?: () => boolean;
  /** Whether Slack can reach the bridge (Socket Mode: a socket is up). Unset: not checked. */
  slackConnected?: () => boolean;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function check(run: () => Promise<void>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : 'failed'}`;
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: RouteDeps): CustomRoute[] {
  const timeoutMs = deps.checkTimeoutMs ?? 2_000;
  return [
    {
      path: '/healthz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => sendJson(res, 200, { status: 'ok' }),
    },
    {
      path: '/readyz',
      method: ['GET', 'HEAD'],
      handler: async (_req, res) => {
        const [store, fxiaoke] = await Promise.all([
          check(() => deps.store.ping(), timeoutMs),
          check(() => deps.fxiaoke.checkCredentials(), timeoutMs),
        ]);
        const shuttingDown = deps.isShuttingDown?.() ?? false;
        const slack = deps.slackConnected ? (deps.slackConnected() ? 'ok' : 'not connected') : undefined;
        const ready = store === 'ok' && fxiaoke === 'ok' && slack !== 'not connected' && !shuttingDown;
        sendJson(res, ready ? 200 : 503, {
          status: ready ? 'ready' : 'not ready',
          checks: {
            store,
            fxiaoke,
            ...(slack ? { slack } : {}),
            ...(shuttingDown ? { shutdown: 'in progress' } : {}),
          },
        });
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: async (_req, res) => {
        const body = await deps.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
        res.end(body);
      },
    },
  ];
}
