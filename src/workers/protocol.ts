/**
 * The messages between a receiver and the worker it forked (RELAY_WORKERS=fork), over the fork's
 * IPC channel: a pipe between the two processes, never logged. The configuration travels here
 * rather than in the environment, so a bridge started in-process (tests, the bench) forks a worker
 * with the very configuration it runs with.
 */
import type { Config } from '../config.js';
import type { PortableResponseUrl } from '../slack/jobs/answer.js';
import type { HandedOffRevoke, HandedOffUpdate } from '../slack/jobs/port.js';

/** A send handed off, and the door's response_url when it had one (`/fx-send`): never logged. */
export interface HandedOff {
  relayId: string;
  responseUrl?: PortableResponseUrl;
}

/** Receiver → worker. */
export type ToWorker =
  /** First message: run with this configuration, as this lease owner, beside this receiver. */
  | {
      type: 'start';
      config: Config;
      instanceId: string;
      receiverId: string;
    }
  /**
   * Sends this receiver accepted (relay/handoff.ts), batched per turn of its event loop: the
   * telling is the hand-off; the worker claims each from the receiver's lease.
   */
  | { type: 'handed-off'; relays: HandedOff[] }
  /** Relays this receiver claimed for revoking: the worker claims them from its lease and revokes. */
  | { type: 'revoke'; revoke: HandedOffRevoke }
  /** A relay this receiver claimed for an update: the worker claims it from its lease and updates. */
  | { type: 'update'; update: HandedOffUpdate }
  /** The worker's metrics, for the receiver's `/metrics` (answered with the same `id`). */
  | { type: 'metrics'; id: number };

/** Worker → receiver. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  /** prom-client's JSON of the worker's registry (`getMetricsAsJSON`). */
  | { type: 'metrics'; id: number; metrics: unknown[] };

export function isToWorker(message: unknown): message is ToWorker {
  const type = (message as { type?: unknown } | null)?.type;
  return (
    type === 'start' || type === 'handed-off' || type === 'revoke' || type === 'update' || type === 'metrics'
  );
}

export function isFromWorker(message: unknown): message is FromWorker {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'failed' || type === 'metrics';
}
