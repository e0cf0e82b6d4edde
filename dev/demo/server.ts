/**
 * The demo's local page and its small JSON API, on 127.0.0.1 only: the page posts `/fx-send …`
 * lines and Revoke clicks here, and they go to the bridge as Slack would send them.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Answer, clickRevoke, receiptOf, sendCommand } from './conversation.js';
import { inboxes } from './inbox.js';
import type { World } from './world.js';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
const MAX_BODY = 64 * 1024;

export interface DemoServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request too large');
    chunks.push(chunk);
  }
  const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('expected a JSON object');
  return value as Record<string, unknown>;
}

/** `/fx-send 1000 hi` → `1000 hi`; anything else is refused with a hint, as Slack has no other command here. */
function commandText(line: string): string | undefined {
  const match = /^\s*\/fx-send(?:\s+([\s\S]*))?$/.exec(line);
  return match ? (match[1] ?? '').trim() : undefined;
}

export async function startDemoServer(
  world: World,
  port: number,
  log: (line: string) => void,
): Promise<DemoServer> {
  // One request to the bridge at a time keeps the page's transcript in the order it was typed.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    }
    if (req.method === 'GET' && pathname === '/api/inbox') {
      json(res, 200, { employees: inboxes(world.emulator) });
      return;
    }
    if (req.method === 'POST' && pathname === '/api/send') {
      const body = await readJson(req);
      const line = typeof body.line === 'string' ? body.line : '';
      const text = commandText(line);
      if (text === undefined) {
        json(res, 200, {
          ephemeral: ['Type a command that starts with /fx-send, e.g. /fx-send 1000,1001 Hello'],
        });
        return;
      }
      log(`page ▸ ${line.trim()}`);
      const answer: Answer = await serial(() => sendCommand(world, text));
      json(res, 200, answer);
      return;
    }
    if (req.method === 'POST' && pathname === '/api/revoke') {
      const body = await readJson(req);
      const message = world.slack.message(String(body.channel ?? ''), String(body.ts ?? ''));
      if (!message) {
        json(res, 404, { error: 'no such receipt' });
        return;
      }
      log('page ▸ Revoke clicked');
      json(res, 200, await serial(() => clickRevoke(world, receiptOf(message))));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 400, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
