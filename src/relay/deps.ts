/** What the use-cases need, injected so tests run them with no network at all. */
import { randomUUID } from 'node:crypto';
import { isFxiaokeError } from '../fxiaoke/errors.js';
import type { FxiaokeApi } from '../fxiaoke/interface.js';
import type { RelayStore } from '../store/interface.js';
import type { SendAccessPolicy } from './access.js';
import type { AttachmentFetcher } from './attachments.js';
import { newRelayId } from './ids.js';
import type { PeopleDirectory } from './people.js';
import type { RecipientDirectory } from './recipients.js';
import type { SendRateLimiter } from './send-rate.js';
import type { SyncSettings } from './sync.js';
import type { BatchStatus, RelayBatch, RelayError, RelayRecord, RelayStatus } from './types.js';

export interface RelaySettings extends RecipientDirectory {
  admins: readonly string[];
  messageTemplate: string;
  maxMessageLength: number;
  maxRecipients: number;
  /** Channel id → recipients a front door starts with there (the compose window prefills them). */
  channelDefaults?: Record<string, string[]>;
  /** Who may send (access.ts); absent: everyone, from anywhere. */
  access?: { send: SendAccessPolicy };
  /** What edits and deletes of relayed messages do (sync.ts); absent: ask for both. */
  sync?: SyncSettings;
}

/** The part of a pino logger the core uses; keeps relay/ free of logging libraries. */
export interface RelayLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** Hooks for metrics; relay/ reports what happened and knows nothing of Prometheus. */
export interface RelayObserver {
  /** `record` is the finished relay: its `createdAt` starts the end-to-end latency. */
  relayFinished?(status: RelayStatus, record: RelayRecord): void;
  revokeFinished?(outcome: string): void;
}

export interface RelayDeps {
  store: RelayStore;
  fxiaoke: FxiaokeApi;
  settings: RelaySettings;
  log: RelayLog;
  now: () => number;
  newRelayId: (now: number) => string;
  newThirdTraceId: () => string;
  observer: RelayObserver;
  /** The Fxiaoke address book: maps chat mentions by e-mail/phone and spots departed recipients. */
  people?: PeopleDirectory;
  /** Downloads the files of a relayed message (the Slack side, with the bot token); absent: none are. */
  files?: AttachmentFetcher;
  /** The per-user send limit (`limits.sendsPerUserPerMinute`); absent: no limit. */
  sendLimiter?: SendRateLimiter;
  /** This process, as the owner of the leases it takes (lease.ts). */
  instanceId: string;
  /** How long a lease lasts unless renewed. */
  leaseMs: number;
  /** The store is this process's alone (SQLite, memory): any other owner's lease is a dead process's. */
  exclusiveStore: boolean;
  /** A received request not carried out within this long is not sent any more; its sender is told. */
  resumeLimitMs: number;
  /** How long a front door waits for the intake write before it says nothing was taken. */
  intakeTimeoutMs: number;
  /**
   * True once the process is stopping and gave up waiting: a held-back store write (see
   * `persistently`) then stops retrying and logs what it could not record.
   */
  writesAbandoned: () => boolean;
}

export function relayDeps(
  base: Pick<RelayDeps, 'store' | 'fxiaoke' | 'settings' | 'log'> & Partial<RelayDeps>,
): RelayDeps {
  return {
    now: Date.now,
    newRelayId,
    newThirdTraceId: randomUUID,
    observer: {},
    instanceId: `fxb_${randomUUID()}`,
    leaseMs: 30_000,
    exclusiveStore: true,
    resumeLimitMs: 15 * 60_000,
    intakeTimeoutMs: 1_500,
    writesAbandoned: () => false,
    ...base,
  };
}

/** Turns any failure of a Fxiaoke call into what the record keeps and the user sees. */
export function toRelayError(error: unknown): RelayError {
  if (isFxiaokeError(error)) {
    const upstream = error.upstreamMessage ? ` Fxiaoke said: “${error.upstreamMessage}”.` : '';
    return {
      code: error.errorCode,
      kind: error.kind === 'transport' && error.mayHaveBeenDelivered ? 'transport_unknown' : error.kind,
      message: `${capitalise(error.meaning)}.${upstream}`,
      traceId: error.traceId,
    };
  }
  return { kind: 'internal', message: 'An unexpected error happened inside fx-bridge (see its logs).' };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A relay's status follows from its batches; one rule for send, revoke and recovery. */
export function statusFromBatches(batches: readonly RelayBatch[]): RelayStatus {
  const count = (status: BatchStatus) => batches.filter((batch) => batch.status === status).length;
  const sent = count('sent');
  const revoked = count('revoked');
  const unknown = count('unknown');
  const pending = count('pending');
  if (pending > 0) return 'pending';
  if (revoked > 0 && sent === 0 && unknown === 0) return 'revoked';
  if (sent + revoked === batches.length) return 'sent';
  if (sent + revoked === 0) return unknown > 0 ? 'unknown' : 'failed';
  return 'partial';
}

/** Backoff of a held-back store write: quick at first, then every few seconds. */
const WRITE_RETRY_MS = [50, 100, 250, 500, 1_000, 2_000, 4_000];

/**
 * A store write that must land: what Fxiaoke did (a message id, a traceId, a revoke) is known only
 * here. A failure is retried, with backoff, for as long as the process lives — through a Redis
 * restart or a long SQLite lock — so the receipt and Revoke work once the store is back. Only a
 * stop that gave up waiting (`writesAbandoned`) ends it: the error log then carries every detail
 * the record would have held, and the next start marks the call "may have been delivered".
 */
export async function persistently<T>(deps: RelayDeps, what: object, write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await write();
      if (attempt >= 3) deps.log.info({ ...what, attempts: attempt + 1 }, 'held-back store write landed');
      return result;
    } catch (error) {
      if (isConflict(error)) throw error;
      if (deps.writesAbandoned()) {
        deps.log.error(
          { ...what, err: error },
          'relay store write failed at shutdown; the details above are the only record',
        );
        throw error;
      }
      if (attempt === 2) {
        deps.log.warn({ ...what, err: error }, 'relay store write failed; holding it back and retrying');
      }
      await new Promise((resolve) => setTimeout(resolve, WRITE_RETRY_MS[Math.min(attempt, 6)]));
    }
  }
}

function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'store_conflict' || code === 'relay_not_found' || code === 'slack_message_taken';
}
