/**
 * `/readyz` logs a change of readiness, not each probe: an unauthenticated endpoint probed in a
 * loop must not fill the log. First the routes on their own (served over loopback HTTP, a real
 * in-memory store, the relay tests' fake Fxiaoke whose credentials a test breaks and mends), then
 * the real bridge probed while the emulator refuses its credentials.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { CustomRoute } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { CODE, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { BridgeMetrics } from '../../src/http/metrics.js';
import { healthRoutes } from '../../src/http/routes.js';
import { createLogger } from '../../src/logger.js';
import { MemoryRelayStore } from '../../src/store/memory-store.js';
import { Harness } from '../e2e/harness.js';
import { FakeFxiaoke } from '../relay/fake-fxiaoke.js';

interface LogLine {
  level: number;
  msg: string;
  component?: string;
  checks?: Record<string, string>;
  failing?: string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Serves the routes as Bolt would (same handlers, real HTTP); returns the base URL. */
async function serve(routes: CustomRoute[]): Promise<string> {
  const server: Server = createServer((req, res) => {
    const route = routes.find((each) => each.path === new URL(req.url ?? '/', 'http://x').pathname);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    void route.handler(Object.assign(req, { params: {} }), res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A JSON logger whose lines the test reads, as the bridge's readyz logger is. */
function capturedLog() {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  const { logger } = createLogger({ level: 'info', destination, format: 'json' });
  return { log: logger.child({ component: 'readyz' }), lines };
}

async function probe(baseUrl: string, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let n = 0; n < times; n += 1) statuses.push((await fetch(`${baseUrl}/readyz`)).status);
  return statuses;
}

describe('/readyz logging', () => {
  it('writes one line when readiness changes, none for probes that find it unchanged', async () => {
    const fxiaoke = new FakeFxiaoke();
    const slack = { connected: true };
    const { log, lines } = capturedLog();
    const baseUrl = await serve(
      healthRoutes({
        store: new MemoryRelayStore(),
        fxiaoke,
        metrics: new BridgeMetrics({ defaultMetrics: false }),
        log,
        credentialCheckEveryMs: 0,
        slackConnected: () => slack.connected,
      }),
    );
    const said = () => lines.map((line) => line.msg);

    expect(await probe(baseUrl, 3)).toEqual([200, 200, 200]);
    expect(said()).toEqual([]);

    fxiaoke.failCredentials(new Error('the appSecret is wrong (check FXIAOKE_APP_SECRET)'));
    expect(await probe(baseUrl, 20)).toEqual(Array(20).fill(503));
    expect(said()).toEqual(['not ready']);
    expect(lines[0]).toMatchObject({ level: 40, component: 'readyz', failing: ['fxiaoke'] });
    expect(lines[0]?.checks?.fxiaoke).toContain('the appSecret is wrong');
    expect(lines[0]?.checks?.store).toBe('ok');

    // Another reason while still not ready is a change too; the same reasons again are not.
    fxiaoke.failCredentials(undefined);
    slack.connected = false;
    expect(await probe(baseUrl, 5)).toEqual(Array(5).fill(503));
    expect(said()).toEqual(['not ready', 'still not ready, for another reason']);
    expect(lines[1]).toMatchObject({ level: 40, failing: ['slack'], checks: { slack: 'not connected' } });

    slack.connected = true;
    expect(await probe(baseUrl, 5)).toEqual(Array(5).fill(200));
    expect(said()).toEqual(['not ready', 'still not ready, for another reason', 'ready again']);
    expect(lines[2]).toMatchObject({ level: 30, component: 'readyz' });
  });

  it('the real bridge, probed while Fxiaoke refuses its credentials, warns once', async () => {
    const harness = await Harness.start({ env: { LOG_LEVEL: 'info' } });
    cleanups.push(() => harness.close());
    harness.emulator.addFault({
      path: PATHS.token,
      fault: { type: 'error', errorCode: CODE.APP_SECRET_WRONG },
      times: Number.POSITIVE_INFINITY,
    });
    expect(await probe(harness.baseUrl, 25)).toEqual(Array(25).fill(503));
    const readyz = harness.logLines
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.component === 'readyz');
    expect(readyz.map((line) => line.msg)).toEqual(['not ready']);
    expect(readyz[0]?.failing).toEqual(['fxiaoke']);
  });
});
