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
}

export function relayDeps(
  base: Pick<RelayDeps, 'store' | 'fxiaoke' | 'settings' | 'log'> & Partial<RelayDeps>,
): RelayDeps {
  return { now: Date.now, newRelayId, newThirdTraceId: randomUUID, observer: {}, ...base };
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

/** Retries a store write a few times: losing the record of a sent message is the one thing we must not do. */
export async function persistently<T>(deps: RelayDeps, what: object, write: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await write();
    } catch (error) {
      lastError = error;
      if (isConflict(error)) throw error;
      if (attempt < 2) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
  deps.log.error(
    { ...what, err: lastError },
    'relay store write failed; the details above are the only record',
  );
  throw lastError;
}

function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'store_conflict' || code === 'relay_not_found' || code === 'slack_message_taken';
}
