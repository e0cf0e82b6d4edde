/**
 * Socket Mode without the gap: when Slack sends `disconnect` (it recycles the server holding the
 * connection, every few hours), @slack/socket-mode closes the socket and only then, after its
 * reconnect delay (clientPingTimeout, 5 s), opens a new one. Slack allows several connections per
 * app and sends each envelope on one of them, so for those seconds envelopes went to no one.
 *
 * Here a second client connects first; its envelopes are handed to the same Bolt listener as the
 * primary's (and acked on the helper's own socket); only once it has said hello does the primary
 * handle the `disconnect`. When the primary is connected again the helper is closed.
 *
 * Also tracks whether any connection is up, for /readyz.
 */
import { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from '../../logger.js';
import { beforeDeadline } from '../../util/deadline.js';
import { socketModeClientOptions } from '../api/web-client.js';

export interface SocketHandoverOptions {
  appToken: string;
  slackApiUrl: string;
  log: Logger;
  /** Bolt's logger for the helper client, as for the primary. */
  clientLogger: NonNullable<ConstructorParameters<typeof SocketModeClient>[0]>['logger'];
  /** How long the helper may take to connect before the primary goes ahead anyway. */
  helperConnectTimeoutMs?: number;
}

export interface SocketHandover {
  /** True while a connection to Slack is up (the primary's or, during a handover, the helper's). */
  isConnected(): boolean;
  /** Closes a helper still connected (the primary is stopped by Bolt). */
  stop(): Promise<void>;
}

type WsMessageListener = (data: unknown, isBinary: boolean) => unknown;

function messageType(data: unknown, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  try {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null
      ? String((parsed as { type?: unknown }).type)
      : undefined;
  } catch {
    return undefined;
  }
}

export function enableSocketHandover(
  primary: SocketModeClient,
  options: SocketHandoverOptions,
): SocketHandover {
  let primaryUp = false;
  let helper: SocketModeClient | undefined;
  let helperUp = false;
  let stopped = false;

  primary.on('connected', () => {
    primaryUp = true;
    if (helper) void retireHelper('the primary connection is back');
  });
  for (const state of ['connecting', 'reconnecting', 'disconnecting', 'disconnected', 'close']) {
    primary.on(state, () => {
      primaryUp = false;
    });
  }

  // The client handles Slack's messages in its own 'ws_message' listener; take it over, so a
  // `disconnect` waits for the helper while every other message goes through untouched.
  const originals = primary.listeners('ws_message') as WsMessageListener[];
  primary.removeAllListeners('ws_message');
  primary.on('ws_message', (data: unknown, isBinary: boolean) => {
    const pass = () => {
      for (const listener of originals) listener.call(primary, data, isBinary);
    };
    if (messageType(data, isBinary) !== 'disconnect' || stopped || helper) {
      pass();
      return;
    }
    startHelper().finally(pass);
  });

  async function startHelper(): Promise<void> {
    const started = Date.now();
    const next = new SocketModeClient({
      appToken: options.appToken,
      logger: options.clientLogger,
      clientOptions: socketModeClientOptions(options.slackApiUrl),
    });
    helper = next;
    // Bolt's receiver listens on the primary; envelopes from the helper go to that same listener,
    // each with the helper's ack.
    next.on('slack_event', (args: unknown) => primary.emit('slack_event', args));
    next.on('connected', () => {
      helperUp = true;
    });
    for (const state of ['disconnected', 'close']) {
      next.on(state, () => {
        helperUp = false;
      });
    }
    try {
      const hello = await beforeDeadline(next.start(), options.helperConnectTimeoutMs ?? 10_000);
      if (!hello.inTime) throw new Error('no hello in time');
      options.log.info(
        { connectMs: Date.now() - started },
        'Slack asked to reconnect: a second Socket Mode connection is up before the first closes',
      );
    } catch (error) {
      options.log.warn(
        { err: error },
        'Slack asked to reconnect and the second connection did not open; reconnecting without it',
      );
      await retireHelper('it did not connect');
    }
  }

  async function retireHelper(why: string): Promise<void> {
    const current = helper;
    helper = undefined;
    helperUp = false;
    if (!current) return;
    options.log.debug({ why }, 'closing the handover Socket Mode connection');
    await current.disconnect().catch(() => undefined);
  }

  return {
    isConnected: () => primaryUp || helperUp,
    async stop() {
      stopped = true;
      await retireHelper('the bridge is stopping');
    },
  };
}
