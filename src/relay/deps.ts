/**
 * What the core depends on, as the wiring provides it once (bridge-steps.ts) and the relay facade
 * hands it on: ports (the store, Fxiaoke, the Slack side's lookups and files), settings, the
 * process's identity and timings. Each use-case takes only the part it uses
 * (`Pick<RelayDeps, …>`), so this module names types and fills in defaults, nothing more.
 */
import { randomUUID } from 'node:crypto';
import type { GroupMembers, SendAccessPolicy } from './access.js';
import type { ChatMessages } from './chat-messages.js';
import type { DepartmentDirectory } from './departments.js';
import { newRelayId } from './ids.js';
import type { RelayObserver } from './observer.js';
import type { ChatProfiles, PeopleDirectory } from './people.js';
import type { AttachmentFetcher } from './ports/files.js';
import type { FxiaokeApi } from './ports/fxiaoke.js';
import type { SlackLinks } from './ports/links.js';
import type { RelayStore } from './ports/store.js';
import type { RecipientDirectory } from './recipients.js';
import type { SendRateLimiter } from './send-rate.js';
import type { RouteSettings, SyncSettings } from './types.js';

export type { QueuedBatch, RelayObserver } from './observer.js';

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

export interface RelayDeps {
  store: RelayStore;
  fxiaoke: FxiaokeApi;
  /**
   * The settings in force. In the bridge, an object whose fields read the config file with what
   * admins set in App Home at each access (settings/live.ts), so a change applies without a
   * restart: read them where they are used rather than keeping a copy.
   */
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
  /**
   * Processes known alive on an exclusive store besides this one (a receiver and the worker it
   * forked, RELAY_WORKERS=fork): their leases count as on a shared store, gone only once run out.
   */
  siblings?: () => readonly string[];
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

/** A process's name as the owner of leases: unique per start. */
export function newInstanceId(): string {
  return `fxb_${randomUUID()}`;
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
    instanceId: newInstanceId(),
    exclusiveStore: true,
    writesAbandoned: () => false,
    ...base,
  };
}
