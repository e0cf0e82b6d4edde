/** What the use-cases need, injected so tests run them with no network at all. */
import { randomUUID } from 'node:crypto';
import { FxiaokeErrorCode, isFxiaokeAdapterError, isFxiaokeError } from '../fxiaoke/errors.js';
import type { FxiaokeApi } from '../fxiaoke/interface.js';
import { isStoreRefusal } from '../store/errors.js';
import type { RelayStore } from '../store/interface.js';
import type { GroupMembers, SendAccessPolicy } from './access.js';
import type { AttachmentFetcher } from './attachment-fetcher.js';
import type { ChatMessages } from './chat-messages.js';
import type { DepartmentDirectory } from './departments.js';
import { INTERNAL_ERROR_TEXT, STOPPING_KIND, STOPPING_TEXT } from './error-text.js';
import { newRelayId } from './ids.js';
import type { ChatProfiles, PeopleDirectory } from './people.js';
import type { RecipientDirectory } from './recipients.js';
import type { SendRateLimiter } from './send-rate.js';
import type { SlackLinks } from './slack-links.js';
import type {
  BatchStatus,
  RelayBatch,
  RelayError,
  RelayRecord,
  RelayStatus,
  RouteSettings,
  SlackMessageRef,
  SyncSettings,
} from './types.js';

export interface RelaySettings extends RecipientDirectory {
  admins: readonly string[];
  messageTemplate: string;
  maxMessageLength: number;
  maxRecipients: number;
  /** Channel id → recipients a front door starts with there (the compose window prefills them). */
  channelDefaults?: Record<string, string[]>;
  /** Who may send (access.ts); absent: everyone, from anywhere. */
  access?: { send: SendAccessPolicy };
  /** What edits and deletes of relayed messages do (sync.ts); default in config.ts. */
  sync: SyncSettings;
  /** Channel id → its route to Fxiaoke (route.ts); absent: no channel is routed. */
  routes?: Record<string, RouteSettings>;
}

/** The part of a pino logger the core uses; keeps relay/ free of logging libraries. */
export interface RelayLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * How a relay reports what happens to it: one interface, given twice. `deps.observer` is the
 * process's (metrics); a front door passes its own for one relay (the receipt it posts and updates,
 * the "queued" line). relay/ knows neither Prometheus nor Slack. Every method is optional.
 */
export interface RelayObserver {
  /**
   * Runs once, right after Fxiaoke accepts the first batch: posts the receipt and returns the
   * Slack message to key the relay by. Nothing public is posted for a relay that fails outright.
   * If it throws or returns undefined the relay stays keyed by its request (and its id). Only the
   * observer of the one relay answers this; the process's is not asked.
   */
  onFirstAccepted?: (record: RelayRecord) => Promise<SlackMessageRef | undefined>;
  /** Runs after each later batch is recorded (receipt progress). Failures are logged, never fatal. */
  onProgress?: (record: RelayRecord) => Promise<void>;
  /**
   * A batch waits for Fxiaoke's rate budget (queued, not failed). Called before the wait with an
   * estimate; fire and forget, it never delays or fails the send.
   */
  onQueued?: (record: RelayRecord, queued: QueuedBatch) => Promise<void> | void;
  /** `record` is the finished relay: its `createdAt` starts the end-to-end latency. */
  relayFinished?(status: RelayStatus, record: RelayRecord): void;
  revokeFinished?(outcome: string): void;
}

export interface QueuedBatch {
  batchIndex: number;
  batchCount: number;
  waitMs: number;
}

/**
 * The process's observer and one relay's, as one: the finish events go to both, the progress
 * events to the relay's (the receipt is the front door's business, not the metrics').
 */
export function observing(deps: Pick<RelayDeps, 'observer'>, relay: RelayObserver = {}): RelayObserver {
  const process = deps.observer;
  return {
    ...relay,
    relayFinished: (status, record) => {
      process.relayFinished?.(status, record);
      relay.relayFinished?.(status, record);
    },
    revokeFinished: (outcome) => {
      process.revokeFinished?.(outcome);
      relay.revokeFinished?.(outcome);
    },
  };
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
  /** Fxiaoke departments (`dept:…` recipients): the list and each one's members, cached. */
  departments?: DepartmentDirectory;
  /**
   * The front door's user profiles (Slack's users.info, cached): with `people`, mentions are mapped
   * by e-mail and phone. Built once in wiring; absent: mentions map through the config file only.
   */
  profiles?: ChatProfiles;
  /**
   * Members of Slack user groups, for `access.send.userGroups`. Built once in wiring; absent, a
   * sender who needs a group to be allowed is refused (fails closed).
   */
  groupMembers?: GroupMembers;
  /** Downloads the files of a relayed message (the Slack side, with the bot token); absent: none are. */
  files?: AttachmentFetcher;
  /** Links into Slack (chat.getPermalink): where a card relay's card points; absent: its channel. */
  links?: SlackLinks;
  /** Messages and channel names read from the chat after the ack (channel routes, route.ts). */
  messages?: ChatMessages;
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

/**
 * RelayDeps with what needs no configuration filled in. The timings (lease, resume limit, intake
 * timeout) are the configuration's (config.ts DEFAULTS), so the caller passes them.
 */
export function relayDeps(
  base: Pick<
    RelayDeps,
    'store' | 'fxiaoke' | 'settings' | 'log' | 'leaseMs' | 'resumeLimitMs' | 'intakeTimeoutMs'
  > &
    Partial<RelayDeps>,
): RelayDeps {
  return {
    now: Date.now,
    newRelayId,
    newThirdTraceId: randomUUID,
    observer: {},
    instanceId: `fxb_${randomUUID()}`,
    exclusiveStore: true,
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
  if (isFxiaokeAdapterError(error) && error.code === FxiaokeErrorCode.Stopping) {
    return { kind: STOPPING_KIND, message: STOPPING_TEXT };
  }
  return { kind: 'internal', message: INTERNAL_ERROR_TEXT };
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
      if (isStoreRefusal(error)) throw error;
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
