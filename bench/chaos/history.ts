/**
 * What a chaos run saw, as plain data: the requests Slack delivered to the bridge and their acks,
 * everything the user read in Slack (classified into claims), what Fxiaoke received and holds,
 * and the relay records the store kept. The checker's rules (rules.ts) are pure functions of it,
 * so each one is unit-tested on histories written by hand.
 */
import type { RelayRecord } from '../../src/relay/types.js';
import type { PlannedOp } from './plan.js';

/** One text's place in the campaign: send `send` (the operation index), edit `edit` (0: as sent). */
export interface Tag {
  send: number;
  edit: number;
}

/** One HTTP request Slack delivered to a replica (a first delivery, a retry, a duplicate). */
export interface Delivery {
  /** The operation that sent it. */
  op: number;
  /** What it carried, e.g. `slash command`, `block_actions fx_revoke`, `event message_changed`. */
  what: string;
  /** Slack's retry number for events (0: first delivery). */
  attempt: number;
  replica: number;
  sentAt: number;
  answeredAt: number;
  /** HTTP status; undefined when no answer came (the replica was down or died). */
  status?: number;
  /** The ack's body when it had one (an ephemeral text, modal errors). */
  ackBody?: string;
  error?: string;
  /** Whether the store was up when it was sent and when it was answered. */
  storeUp: boolean;
  /** The response_url the request carried, if any. */
  responseUrl?: string;
}

/** What the user read, as the checker understands it. */
export type ClaimKind =
  /** The message is in Fxiaoke ("✅ Sent", "Relayed to Fxiaoke", "Updated in Fxiaoke"). */
  | 'delivered'
  /** Nothing of it is (or will be) in Fxiaoke ("nothing was delivered", "Nothing was sent", "not taken"). */
  | 'not_delivered'
  /** It may or may not be in Fxiaoke: only true once a call for it reached Fxiaoke. */
  | 'maybe'
  /** It is in Fxiaoke right now ("The old copy stays in Fxiaoke", "Kept: the copy in Fxiaoke stays"). */
  | 'live'
  /** Fxiaoke no longer shows it ("Revoked", "already revoked"). */
  | 'revoked'
  /** A revoke may or may not have taken effect: only true once a revoke call for it reached Fxiaoke. */
  | 'revoke_uncertain'
  /** Not finished yet ("Queued", "Sending…", "still being revoked"): never a last word. */
  | 'in_progress'
  /** Held for the sender's answer: nothing sent yet. */
  | 'held'
  /** A question about an edit or delete, or an answer that changes nothing in Fxiaoke. */
  | 'info';

export interface Claim {
  kind: ClaimKind;
  /** The relay the claim is about, when the text names one. */
  relayId?: string;
  /** The phrase that decided the claim (for the report). */
  phrase: string;
  /** The relay version it is about, when the text names one ("the new text (version 2)"). */
  version?: number;
}

export type StatementVia = 'ack' | 'response_url' | 'ephemeral' | 'dm' | 'receipt';

/** One thing the user read in Slack. */
export interface Statement {
  id: number;
  at: number;
  via: StatementVia;
  /** The operation whose request it answers, when the channel says (its ack, its response_url). */
  op?: number;
  /** `channel:ts` of the receipt it is (the receipt's final state), for via `receipt`. */
  receipt?: string;
  /**
   * Whether the user could read it: false for a response_url post Slack refused (used up, expired)
   * or a Web API call that failed.
   */
  heard: boolean;
  /** What the user reads, flattened (text, then the blocks' texts). */
  text: string;
  relayIds: string[];
  /** The campaign tags the statement shows (the text of the version it is about). */
  tags: Tag[];
  claims: Claim[];
}

/** A Fxiaoke send or revoke call as the emulator received it. */
export interface FxRequest {
  id: number;
  at: number;
  path: string;
  /** Send: the tags in its content. */
  tags: Tag[];
  /** Revoke: the message it names. */
  messageId?: string;
  fault?: string;
  status?: number;
}

/** A message Fxiaoke accepted (it reached its recipients). */
export interface FxMessage {
  messageId: string;
  at: number;
  tag: Tag | undefined;
  recipients: string[];
  revoked: boolean;
  revokedAt?: number;
}

/** What happened to one planned operation when it ran. */
export interface OpRecord {
  index: number;
  startedAt: number;
  /** Why it did nothing (no receipt to click yet, the message was deleted, …). */
  skipped?: string;
  /** Indexes into `History.deliveries`. */
  deliveries: number[];
}

export interface History {
  seed: number;
  plan: PlannedOp[];
  ops: OpRecord[];
  deliveries: Delivery[];
  statements: Statement[];
  fxRequests: FxRequest[];
  fxMessages: FxMessage[];
  /** Every relay record in the store once the run settled. */
  relays: RelayRecord[];
  /** When the run stopped issuing operations and when it had settled. */
  endedAt: number;
  settledAt: number;
}

export type RuleName =
  | 'exactly-once'
  | 'newest-text-last'
  | 'store-matches-fxiaoke'
  | 'delivery-recorded'
  | 'statement-true'
  | 'receipt-true'
  | 'ack-answered'
  | 'last-word-final'
  | 'working-state'
  | 'busy-500';

export interface Violation {
  rule: RuleName;
  /** The send (operation index) it is about, when known. */
  send?: number;
  /** The operation that exposed it (the request answered, the statement's op). */
  op?: number;
  relayId?: string;
  message: string;
}
