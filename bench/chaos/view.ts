/** Indexes over a chaos history that every rule reads: which send a relay, an operation or a claim is about. */
import type { RelayRecord } from '../../src/relay/types.js';
import type { Claim, FxMessage, History, Statement, Tag, Violation } from './history.js';
import { tagsIn } from './plan.js';

export const tagKey = (tag: Tag) => `s${tag.send} e${tag.edit}`;
export const sameTag = (a: Tag | undefined, b: Tag | undefined) =>
  a !== undefined && b !== undefined && a.send === b.send && a.edit === b.edit;

/** Indexes over a history that every rule reads. */
export class View {
  readonly relayById = new Map<string, RelayRecord>();
  readonly messageById = new Map<string, FxMessage>();
  constructor(readonly history: History) {
    for (const relay of history.relays) this.relayById.set(relay.id, relay);
    for (const message of history.fxMessages) this.messageById.set(message.messageId, message);
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
