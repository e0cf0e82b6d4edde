/**
 * A fake Slack Socket Mode endpoint: a real `ws` WebSocketServer on 127.0.0.1 that
 * `@slack/socket-mode`'s SocketModeClient (and so a Bolt SocketModeReceiver) connects to. Point the
 * fake Web API's `apps.connections.open` at `url`, then push envelopes and read the client's acks.
 *
 *   const socket = await FakeSocketModeServer.start();
 *   slackApi.setSocketModeUrl(socket.url);
 *   // start the app with an xapp- token and clientOptions.slackApiUrl = slackApi.url
 *   await socket.waitForConnection();
 *   const ack = await socket.sendEnvelope('slash_commands', { command: '/fx-send', ... });
 *
 * Protocol, as the client implements it: on connect the server sends `{ type: 'hello', … }`, which is
 * what resolves `SocketModeClient.start()`. Envelopes are `{ envelope_id, type, payload,
 * accepts_response_payload }`; the client acks with `{ envelope_id, payload }` on the same socket.
 * Keep-alive: the client pings every clientPingTimeout/3 (≈1.7 s) and disconnects after a missed
 * pong, so `autoPong` stays on. The client only starts its server-ping watchdog after the first
 * server ping, so this fake never pings and that watchdog never fires.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { API_APP_ID } from './slack-requests.js';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface EnvelopeAck {
  envelope_id: string;
  /** What the app passed to ack(), as the client sent it (`{}` for a bare ack). */
  payload?: unknown;
  /** From sending the envelope to receiving its ack. */
  ackedInMs: number;
}

interface PendingAck {
  sentAt: number;
  resolve: (ack: EnvelopeAck) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

export class FakeSocketModeServer {
  /** What `apps.connections.open` should answer as `url`. */
  readonly url: string;
  /** Every message the clients sent, parsed (acks included). */
  readonly received: unknown[] = [];

  private readonly clients = new Set<WebSocket>();
  private readonly pending = new Map<string, PendingAck>();
  private connectionWaiters: Array<() => void> = [];
  private accepted = 0;

  private constructor(
    private readonly server: WebSocketServer,
    port: number,
    private readonly appId: string,
  ) {
    this.url = `ws://127.0.0.1:${port}/link`;
    server.on('connection', (socket) => this.onConnection(socket));
  }

  static async start(options: { appId?: string } = {}): Promise<FakeSocketModeServer> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/link', autoPong: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.once('listening', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    return new FakeSocketModeServer(server, port, options.appId ?? API_APP_ID);
  }

  /** Open client connections right now. */
  connections(): number {
    return this.clients.size;
  }

  /** Connections accepted since start (a reconnecting client counts again). */
  connectionsAccepted(): number {
    return this.accepted;
  }

  /** Resolves once a client is connected (at once if one already is). */
  waitForConnection(timeoutMs = 3000): Promise<void> {
    if (this.clients.size > 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.connectionWaiters = this.connectionWaiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `FakeSocketModeServer: no Socket Mode client connected to ${this.url} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.connectionWaiters.push(waiter);
    });
  }

  /**
   * Sends one envelope to the most recently connected client and resolves with its ack. Rejects if no
   * client is connected, or if no ack arrives within `timeoutMs` (Slack's own limit is 3 s).
   */
  sendEnvelope(type: EnvelopeType, payload: Record<string, unknown>, timeoutMs = 3000): Promise<EnvelopeAck> {
    const socket = [...this.clients].at(-1);
    if (socket === undefined) {
      return Promise.reject(
        new Error(`FakeSocketModeServer: no client connected; cannot send a ${type} envelope`),
      );
    }
    const envelopeId = randomUUID();
    const envelope: Record<string, unknown> = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
    };
    if (type === 'events_api') {
      envelope.retry_attempt = 0;
      envelope.retry_reason = '';
    }
    return new Promise<EnvelopeAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(
          new Error(
            `FakeSocketModeServer: the client did not ack ${type} envelope ${envelopeId} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pending.set(envelopeId, { sentAt: performance.now(), resolve, reject, timer });
      socket.send(JSON.stringify(envelope), (error) => {
        if (error === undefined || error === null) return;
        clearTimeout(timer);
        this.pending.delete(envelopeId);
        reject(new Error(`FakeSocketModeServer: could not send ${type} envelope: ${error.message}`));
      });
    });
  }

  /**
   * Sends Slack's `disconnect` message to the most recently connected client, as Slack does when it
   * recycles the server holding the connection, and resolves once the client has closed that socket.
   */
  async disconnectNewest(reason = 'refresh_requested'): Promise<void> {
    const socket = [...this.clients].at(-1);
    if (socket === undefined) throw new Error('FakeSocketModeServer: no client connected to disconnect');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake-1' } }));
    await closed;
  }

  /** Terminates every client, fails acks still awaited, and closes the server. */
  async stop(): Promise<void> {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`FakeSocketModeServer stopped before envelope ${id} was acked`));
    }
    this.pending.clear();
    for (const socket of this.clients) socket.terminate();
    this.clients.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: WebSocket): void {
    this.clients.add(socket);
    this.accepted += 1;
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(rawToString(data));
    });
    socket.on('close', () => this.clients.delete(socket));
    socket.on('error', () => this.clients.delete(socket));
    // Shaped like Slack's: the client only looks at `type`, but keep the rest realistic.
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.clients.size,
        debug_info: {
          host: 'applink-fake-1',
          build_number: 1,
          approximate_connection_time: 18060,
        },
        connection_info: { app_id: this.appId },
      }),
    );
    const waiters = this.connectionWaiters;
    this.connectionWaiters = [];
    for (const waiter of waiters) waiter();
  }

  private onMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.received.push({ _raw: text });
      return;
    }
    this.received.push(message);
    if (!isRecord(message) || typeof message.envelope_id !== 'string') return;
    const pending = this.pending.get(message.envelope_id);
    if (pending === undefined) return;
    this.pending.delete(message.envelope_id);
    clearTimeout(pending.timer);
    const ack: EnvelopeAck = {
      envelope_id: message.envelope_id,
      ackedInMs: performance.now() - pending.sentAt,
    };
    if ('payload' in message) ack.payload = message.payload;
    pending.resolve(ack);
  }
}
