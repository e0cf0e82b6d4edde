/**
 * A plain HTTP server for Bolt custom routes (health, readiness, metrics): Socket Mode's (whose
 * receiver serves no HTTP of its own) and a relay worker's (WORKER_PORT).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildReceiverRoutes, type CustomRoute } from '@slack/bolt';

/**
 * Socket Mode's HTTP server for `customRoutes`. Bolt's SocketModeReceiver starts its own without
 * waiting for it or listening for its errors: a port in use became an uncaught EADDRINUSE after
 * start-up had succeeded, and PORT=0 bound a port nobody could learn. Same routing as Bolt for our
 * static paths (exact path, method, else 404).
 */
export function customRoutesServer(customRoutes: CustomRoute[]): Server {
  const routes = buildReceiverRoutes(customRoutes);
  return createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const handler = routes[pathname]?.[(req.method ?? 'GET').toUpperCase()];
    if (handler) {
      handler(req, res);
      return;
    }
    res.writeHead(404);
    res.end();
  });
}

export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
}
