/**
 * What a change of a relayed Slack message means for one relay (sync.ts records it, sync-waiting.ts
 * acts on it once due): the event as the front door read it, and the plan — ask the sender, claim
 * an update or a revoke, or nothing and why. No store calls (only the clock and new ids), so the
 * callers alone write, and decide when.
 */

import { hasRevocableCopy, unrevocableCopies } from './copies.js';
import type { RelayDeps } from './deps.js';
import { newOfferId } from './ids.js';
import { isRevocableFrom, isUpdatableFrom } from './lifecycle.js';
import type {
  EditStamp,
  RelayChange,
  RelayRecord,
  RelaySync,
  SlackMessageRef,
  SyncOffer,
  UpdateRequest,
} from './types.js';
import { keptSync } from './update.js';

/** A change of a Slack message, as the front door read it from the event. */
export type MessageChange =
  | {
      kind: 'edit';
      eventId: string;
      ref: SlackMessageRef;
      /** The message's author (absent on bot messages). */
      authorId: string | undefined;
      /** Who edited it (Slack's `edited.user`), when Slack says. */
      editorId: string | undefined;
      /** The message (or its edit) comes from a bot, this app's own included. */
      fromBot: boolean;
      /** The new text, as plain text the way the compose window reads it. */
      text: string;
      /** The text before the edit, read the same way, when Slack sent it. */
      previousText: string | undefined;
      /** When Slack says the edit was made (`edited.ts`, the event's `event_ts`): orders edits. */
      edit?: EditStamp;
    }
  | { kind: 'delete'; eventId: string; ref: SlackMessageRef };

/** An edit by the relay's sender (author and editor): only those are followed. */
export function isBySender(record: RelayRecord, change: Extract<MessageChange, { kind: 'edit' }>): boolean {
  return change.authorId === record.senderId && (!change.editorId || change.editorId === record.senderId);
}

/** An edit to act on: its text, when it was made, and how many edits of a burst it stands for. */
export interface EditToPlan {
  text: string;
  edit?: EditStamp;
  edits: number;
}

export type Plan =
  | { reason: string }
  | { type: 'ask' | 'update' | 'revoke'; change: RelayChange; sync: Omit<RelaySync, 'seenEvents'> };

/** `record` is the relay as it acts (one with a change waiting as its status before: lifecycle.ts actingStatus). */
export function planEdit(
  deps: Pick<RelayDeps, 'now'>,
  record: RelayRecord,
  change: EditToPlan,
  mode: 'ask' | 'auto',
): Plan {
  if (!isUpdatableFrom(record.status)) return { reason: `nothing to update (${record.status})` };
  if (change.text === record.text) return { reason: 'the relayed text is the same' };
  const keep = keptSync(record);
  const burst = {
    ...(change.edit ? { edit: change.edit } : {}),
    ...(change.edits > 1 ? { edits: change.edits } : {}),
  } satisfies Pick<UpdateRequest, 'edit' | 'edits'>;
  // `auto` updates only what it can take back; otherwise the sender decides about a second copy.
  if (mode === 'auto' && unrevocableCopies(record) === 0) {
    return {
      type: 'update',
      change: {
        status: 'revoking',
        updateRequest: {
          actorId: record.senderId,
          requestedAt: deps.now(),
          text: change.text,
          secondCopy: false,
          via: 'auto',
          previousStatus: record.status,
          ...burst,
        },
      },
      sync: keep,
    };
  }
  const offer: SyncOffer = {
    id: newOfferId(),
    kind: 'edit',
    text: change.text,
    previousText: record.text,
    offeredAt: deps.now(),
    previousStatus: record.status,
    ...burst,
  };
  return { type: 'ask', change: { status: 'syncing' }, sync: { ...keep, offer } };
}

export function planDelete(deps: Pick<RelayDeps, 'now'>, record: RelayRecord, mode: 'ask' | 'auto'): Plan {
  if (!isRevocableFrom(record.status)) return { reason: `nothing to revoke (${record.status})` };
  // A tombstone first, then the delete once its thread replies go: the sender hears of it once.
  if (record.sync?.deletedAt !== undefined) return { reason: 'already deleted in Slack' };
  const keep = { ...keptSync(record), deletedAt: deps.now() };
  // Nothing fx-bridge could take back: with `ask` and `auto` alike the sender is told it stays.
  if (mode === 'auto' && hasRevocableCopy(record)) {
    return {
      type: 'revoke',
      change: {
        status: 'revoking',
        revokeRequest: { actorId: record.senderId, requestedAt: deps.now(), previousStatus: record.status },
      },
      sync: keep,
    };
  }
  const offer: SyncOffer = {
    id: newOfferId(),
    kind: 'delete',
    offeredAt: deps.now(),
    previousStatus: record.status,
  };
  return { type: 'ask', change: { status: 'syncing' }, sync: { ...keep, offer } };
}
