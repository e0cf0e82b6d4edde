/** Indexes over a chaos history that every rule reads: which send a relay, an operation or a claim is about. */
import type { RelayRecord } from '../../src/relay/types.js';
import type { Claim, FxMessage, History, Statement, Tag, Violation } from './history.js';
import { tagsIn } from './plan.js';

/**
 * How soon after a call's dispatch mark its request leaves: the mark is written right before the
 * request (relay/dispatch.ts), so only a process killed this soon after it may have died in between.
 * Generous for a loaded machine, yet far shorter than a wait for the rate budget, so a mark written
 * before that wait (issue 17 #1) is still found.
 */
const DISPATCH_WINDOW_MS = 1_000;

export const tagKey = (tag: Tag) => `s${tag.send} e${tag.edit}`;
export const sameTag = (a: Tag | undefined, b: Tag | undefined) =>
  a !== undefined && b !== undefined && a.send === b.send && a.edit === b.edit;

/** Indexes over a history that every rule reads. */
export class View {
  readonly relayById = new Map<string, RelayRecord>();
  readonly messageById = new Map<string, FxMessage>();
  /** When each `kill -9` of a replica started. */
  readonly killedAt: number[];
  constructor(readonly history: History) {
    for (const relay of history.relays) this.relayById.set(relay.id, relay);
    for (const message of history.fxMessages) this.messageById.set(message.messageId, message);
    const kills = new Set(history.plan.filter((planned) => planned.op.kind === 'kill').map((p) => p.index));
    this.killedAt = history.ops.filter((op) => kills.has(op.index)).map((op) => op.startedAt);
  }

  /**
   * Whether a replica was killed right after a call was marked dispatched (at `dispatchedAt`), by
   * `at`: between the mark and its request leaving, a moment nobody can see into. "May or may not
   * have arrived" is then the truth the bridge can tell, though no request reached Fxiaoke.
   */
  killedInDispatch(dispatchedAt: number | undefined, at = Number.POSITIVE_INFINITY): boolean {
    if (dispatchedAt === undefined) return false;
    return this.killedAt.some(
      (killed) => killed >= dispatchedAt && killed <= Math.min(at, dispatchedAt + DISPATCH_WINDOW_MS),
    );
  }

  /** The dispatch marks of every batch, in any relay version, that carries this text of `send`. */
  dispatchMarksOf(send: number, edit: number | undefined): number[] {
    const marks: number[] = [];
    for (const relay of this.history.relays) {
      const versions = [...(relay.versions ?? []), { text: relay.text, batches: relay.batches }];
      for (const version of versions) {
        const tag = tagsIn(version.text).find((t) => t.send === send);
        if (!tag || (edit !== undefined && tag.edit !== edit)) continue;
        for (const batch of version.batches)
          if (batch.dispatchedAt !== undefined) marks.push(batch.dispatchedAt);
      }
    }
    return marks;
  }

  /** The send a relay carries (the tag in its text, or in its first version's). */
  sendOfRelay(relayId: string | undefined): number | undefined {
    const relay = relayId ? this.relayById.get(relayId) : undefined;
    if (!relay) return undefined;
    return (tagsIn(relay.text)[0] ?? tagsIn(relay.versions?.[0]?.text ?? '')[0])?.send;
  }

  /** The send an operation is about: its own for a send, its target's for the rest. */
  sendOfOp(index: number | undefined): number | undefined {
    if (index === undefined) return undefined;
    const op = this.history.plan.find((planned) => planned.index === index)?.op;
    if (!op) return undefined;
    if (op.kind === 'command' || op.kind === 'shortcut-send') return index;
    if ('target' in op) return op.target;
    if (op.kind === 'redeliver') return this.sendOfOp(op.of);
    return undefined;
  }

  /** The send a claim is about: the relay it names, else the statement's operation, else its tag. */
  sendOfClaim(statement: Statement, claim: Claim): number | undefined {
    return (
      this.sendOfRelay(claim.relayId) ?? this.sendOfOp(statement.op) ?? statement.tags[0]?.send ?? undefined
    );
  }

  /**
   * The edit of `send` a claim is about: the relay version it names ("the new text (version 2)"),
   * else the one edit the statement shows, when it shows exactly one.
   */
  editOf(statement: Statement, claim: Claim, send: number): number | undefined {
    const relay = claim.relayId ? this.relayById.get(claim.relayId) : undefined;
    if (claim.version !== undefined && relay) {
      const versions = relay.versions ?? [];
      const text =
        versions.find((version) => version.number === claim.version)?.text ??
        (claim.version === versions.length + 1 ? relay.text : undefined);
      const tag = tagsIn(text ?? '').find((t) => t.send === send);
      if (tag) return tag.edit;
    }
    return this.editShown(statement, send);
  }

  /** The one edit of `send` the statement shows, when it shows exactly one. */
  editShown(statement: Statement, send: number): number | undefined {
    const edits = new Set(statement.tags.filter((tag) => tag.send === send).map((tag) => tag.edit));
    return edits.size === 1 ? [...edits][0] : undefined;
  }

  messagesOf(send: number, edit?: number): FxMessage[] {
    return this.history.fxMessages
      .filter((message) => message.tag?.send === send && (edit === undefined || message.tag.edit === edit))
      .sort((a, b) => a.at - b.at);
  }

  sendRequestsOf(send: number, edit?: number) {
    return this.history.fxRequests.filter((request) =>
      request.tags.some((tag) => tag.send === send && (edit === undefined || tag.edit === edit)),
    );
  }

  revokeRequestsOf(messageIds: readonly string[]) {
    return this.history.fxRequests.filter(
      (request) => request.messageId !== undefined && messageIds.includes(request.messageId),
    );
  }
}

/** A rule: what it found wrong in a history. */
export type Rule = (view: View) => Violation[];
