/**
 * Health, readiness and metrics, served as Bolt custom routes so they exist on the same port in
 * HTTP and Socket Mode. `/healthz`: the process answers. `/readyz`: the store answers and the
 * Fxiaoke credentials yield a token.
 *
 * `/readyz` is unauthenticated and probed often: it never makes more than one credential check per
 * minute whatever the probe rate (the token endpoint allows about 10 calls a minute, and a check
 * with broken credentials would call it on every probe), and it says only "ok" / "not ready".
 * What went wrong goes to the log when readiness changes (readiness-log.ts: not on every probe), and
 * to `fx-bridge check`. A store that can forget (Redis) adds its settings (eviction policy,
 * persistence) and, when keys were lost, a short fixed reason.
 * In Socket Mode it also needs a socket to Slack (without one, nothing Slack sends reaches this replica).
 */
import type { ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { FxiaokeApi } from '../fxiaoke/interface.js';
import type { StoreDurabilityStatus } from '../store/durability.js';
import type { RelayStore } from '../store/interface.js';
import { beforeDeadline } from '../util/deadline.js';
import type { BridgeMetrics } from './metrics.js';
import { failingChecks, type ReadinessChecks, ReadinessLog } from './readiness-log.js';

export interface RouteDeps {
  store: RelayStore;
  /** Unset in install mode, where each workspace has its own tenant: readiness then checks none. */
  fxiaoke?: Pick<FxiaokeApi, 'checkCredentials'>;
  metrics: BridgeMetrics;
  /** Readiness checks that take longer count as failed (default 2000 ms). */
  checkTimeoutMs?: number;
  isShuttingDown?: () => boolean;
  /** Whether the store keeps what it is given (Redis: no eviction, no lost keys). Unset: not checked. */
  durability?: () => StoreDurabilityStatus;
  /** Whether Slack can reach the bridge (Socket Mode: a socket is up). Unset: not checked. */
  slackConnected?: () => boolean;
  /** Where a change of readiness says why (the probe's answer does not). */
  log?: { warn(details: object, message: string): void; info(details: object, message: string): void };
  /** At most one Fxiaoke credential check per this long (default 60 s); the result is reused meanwhile. */
  credentialCheckEveryMs?: number;
  now?: () => number;
}

/**
 * The last credential check and when it ran; one check in flight at a time, shared by every probe.
 * Exported for tests.
 */
export class CredentialGate {
  private last: { at: number; result: string } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(
    private readonly run: () => Promise<string>,
    private readonly everyMs: number,
    private readonly now: () => number,
  ) {}

  check(): Promise<string> {
    const last = this.last;
    if (last && this.now() - last.at < this.everyMs) return Promise.resolve(last.result);
    this.inFlight ??= this.run()
      .then((result) => {
        this.last = { at: this.now(), result };
        return result;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function check(run: () => Promise<void>, timeoutMs: number): Promise<string> {
  try {
    const outcome = await beforeDeadline(run(), timeoutMs);
    return outcome.inTime ? 'ok' : `error: no answer within ${timeoutMs} ms`;
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : 'failed'}`;
  }
}

export function healthRoutes(deps: RouteDeps): CustomRoute[] {
  const timeoutMs = deps.checkTimeoutMs ?? 2_000;
  const { fxiaoke: tenant } = deps;
  const credentials = new CredentialGate(
    () => (tenant ? check(() => tenant.checkCredentials(), timeoutMs) : Promise.resolve('ok')),
    deps.credentialCheckEveryMs ?? 60_000,
    deps.now ?? Date.now,
  );
  const readiness = deps.log ? new ReadinessLog(deps.log) : undefined;
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
          credentials.check(),
        ]);
        const shuttingDown = deps.isShuttingDown?.() ?? false;
        const slack = deps.slackConnected ? (deps.slackConnected() ? 'ok' : 'not connected') : undefined;
        // Its problem is a few fixed words (keys evicted, …), shown as they are: nothing to hide there.
        const durability = deps.durability?.();
        const kept = durability ? { [durability.name]: durability.problem ?? 'ok' } : {};
        // Every check, for readiness and for the log alike: a new one is added here and nowhere else.
        const checks: ReadinessChecks = { store, ...(tenant ? { fxiaoke } : {}), slack, ...kept };
        const ready = Object.keys(failingChecks(checks)).length === 0 && !shuttingDown;
        // A stop is not a fault, and is logged by itself.
        if (!shuttingDown) readiness?.observe(checks);
        const brief = (result: string) => (result === 'ok' ? 'ok' : 'not ready');
        sendJson(res, ready ? 200 : 503, {
          status: ready ? 'ready' : 'not ready',
          checks: {
            store: brief(store),
            ...(tenant ? { fxiaoke: brief(fxiaoke) } : {}),
            // Whether a socket is up says nothing about credentials: shown as it is.
            ...(slack ? { slack } : {}),
            ...kept,
            ...(shuttingDown ? { shutdown: 'in progress' } : {}),
          },
          ...(durability ? { [durability.name]: durability.settings } : {}),
        });
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: async (_req, res) => {
        const body = await deps.metrics.render();
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
        res.end(body);
      },
    },
  ];
}
