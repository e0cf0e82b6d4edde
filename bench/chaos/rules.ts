/**
 * The checker's rules: each a pure function of a History that returns what it found wrong.
 *
 *   exactly-once          no text (send × edit) reached the same people twice
 *   newest-text-last      no older edit reached Fxiaoke after a newer one
 *   store-matches-fxiaoke every batch the store keeps says what Fxiaoke holds: `sent` is live,
 *                         `revoked` is revoked, `failed` never arrived, `unknown` had a call reach it
 *   delivery-recorded     every message Fxiaoke accepted belongs to a recorded relay version
 *   statement-true        what each answer said was true when it was said ("delivered" after it
 *                         arrived, "not delivered" never arrived, "may have" after a call reached it)
 *   receipt-true          each receipt, as it stands at the end, matches what Fxiaoke holds
 *   ack-answered          every acked request was answered (never neither)
 *   last-word-final       the last thing a sender heard about a send is not "Queued"/"Sending…"
 *   working-state         nothing is left received/pending/revoking/syncing once all settled
 *   busy-500              no event was answered HTTP 5xx while the store was up
 *
 * A statement is checked at the time it was read against the emulator's times (same clock: both
 * fakes run in the checker's process); a receipt is checked at the end.
 */
import { IN_WORK } from '../../src/relay/lease.js';
import { REVOKE_UNCERTAIN } from '../../src/relay/revoke.js';
import type { RelayBatch, RelayRecord } from '../../src/relay/types.js';
import type { Claim, FxMessage, History, Statement, Tag, Violation } from './history.js';
import { tagsIn } from './plan.js';

const tagKey = (tag: Tag) => `s${tag.send} e${tag.edit}`;
const sameTag = (a: Tag | undefined, b: Tag | undefined) =>
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

export type Rule = (view: View) => Violation[];

export const exactlyOnce: Rule = (view) => {
  const seen = new Map<string, FxMessage[]>();
  for (const message of view.history.fxMessages) {
    if (!message.tag) continue;
    const key = `${tagKey(message.tag)} to ${[...message.recipients].sort().join(',')}`;
    seen.set(key, [...(seen.get(key) ?? []), message]);
  }
  return [...seen.entries()]
    .filter(([, messages]) => messages.length > 1)
    .map(([key, messages]) => ({
      rule: 'exactly-once' as const,
      send: messages[0]!.tag!.send,
      message: `(cx ${key}) reached Fxiaoke ${messages.length} times (messageIds ${messages.map((m) => m.messageId).join(', ')})`,
    }));
};

export const newestTextLast: Rule = (view) => {
  const violations: Violation[] = [];
  const bySend = new Map<number, FxMessage[]>();
  for (const message of view.history.fxMessages)
    if (message.tag) bySend.set(message.tag.send, [...(bySend.get(message.tag.send) ?? []), message]);
  for (const [send, messages] of bySend) {
    let newest: FxMessage | undefined;
    for (const message of [...messages].sort((a, b) => a.at - b.at)) {
      if (newest?.tag && message.tag && message.tag.edit < newest.tag.edit) {
        violations.push({
          rule: 'newest-text-last',
          send,
          message: `edit ${message.tag.edit} of #${send} reached Fxiaoke after edit ${newest.tag.edit} (an older text replaced a newer one)`,
        });
      }
      if (!newest?.tag || (message.tag && message.tag.edit > newest.tag.edit)) newest = message;
    }
  }
  return violations;
};

function revokeUncertain(batch: RelayBatch): boolean {
  return batch.revokeError?.kind === REVOKE_UNCERTAIN;
}

export const storeMatchesFxiaoke: Rule = (view) => {
  const violations: Violation[] = [];
  for (const relay of view.history.relays) {
    const send = view.sendOfRelay(relay.id);
    const found = (message: string): Violation => ({
      rule: 'store-matches-fxiaoke',
      relayId: relay.id,
      ...(send !== undefined ? { send } : {}),
      message,
    });
    const versions = [
      ...(relay.versions ?? []).map((version) => ({
        text: version.text,
        batches: version.batches,
        current: false,
      })),
      { text: relay.text, batches: relay.batches, current: true },
    ];
    for (const version of versions) {
      const tag = tagsIn(version.text)[0];
      const which = `${version.current ? 'current' : 'earlier'} version ${tag ? `(cx ${tagKey(tag)})` : ''}`;
      for (const batch of version.batches) {
        const message = batch.messageId ? view.messageById.get(batch.messageId) : undefined;
        const what = `relay ${relay.id} ${which} batch ${batch.index + 1}`;
        switch (batch.status) {
          case 'sent':
            if (!message && !view.messagesOf(tag?.send ?? -1, tag?.edit).length)
              violations.push(found(`${what} is "sent" but Fxiaoke holds no such message`));
            else if (message && tag && !sameTag(message.tag, tag))
              violations.push(
                found(`${what} is "sent" as ${batch.messageId}, which Fxiaoke holds with another text`),
              );
            else if (message?.revoked && !revokeUncertain(batch))
              violations.push(found(`${what} is "sent" (live) but Fxiaoke has revoked ${batch.messageId}`));
            break;
          case 'revoked':
            if (!message?.revoked)
              violations.push(
                found(
                  `${what} is "revoked" but Fxiaoke ${message ? 'still shows' : 'holds no'} ${batch.messageId ?? 'message'}`,
                ),
              );
            break;
          case 'failed': {
            const arrived = tag
              ? view
                  .messagesOf(tag.send, tag.edit)
                  .filter((m) => m.recipients.some((r) => batch.recipients.includes(r)))
              : [];
            if (arrived.length > 0)
              violations.push(
                found(
                  `${what} is "failed" but it reached Fxiaoke (${arrived.map((m) => m.messageId).join(', ')})`,
                ),
              );
            break;
          }
          case 'unknown':
            if (tag && view.sendRequestsOf(tag.send, tag.edit).length === 0)
              violations.push(
                found(
                  `${what} is "unknown" (may have been delivered) but no call with its text ever reached Fxiaoke`,
                ),
              );
            break;
          case 'pending':
            break;
        }
      }
    }
  }
  return violations;
};

export const workingState: Rule = (view) =>
  view.history.relays
    .filter(
      (relay) => IN_WORK.includes(relay.status) || relay.batches.some((batch) => batch.status === 'pending'),
    )
    .map((relay) => ({
      rule: 'working-state' as const,
      relayId: relay.id,
      ...(view.sendOfRelay(relay.id) !== undefined ? { send: view.sendOfRelay(relay.id)! } : {}),
      message: `relay ${relay.id} is still "${relay.status}"${relay.batches.some((b) => b.status === 'pending') ? ' with a pending batch' : ''} after everything settled`,
    }));

export const deliveryRecorded: Rule = (view) => {
  const violations: Violation[] = [];
  for (const message of view.history.fxMessages) {
    const tag = message.tag;
    if (!tag) continue;
    const recorded = view.history.relays.some((relay) =>
      [relay.text, ...(relay.versions ?? []).map((version) => version.text)].some((text) =>
        tagsIn(text).some((t) => sameTag(t, tag)),
      ),
    );
    if (!recorded)
      violations.push({
        rule: 'delivery-recorded',
        send: tag.send,
        message: `(cx ${tagKey(tag)}) reached Fxiaoke as ${message.messageId} but no relay in the store records that text`,
      });
  }
  return violations;
};

/** Whether `claim`, read at `at`, was true of `send` (and the edit the statement shows). */
function falsehood(
  view: View,
  claim: Claim,
  send: number,
  edit: number | undefined,
  at: number,
): string | undefined {
  const arrived = view.messagesOf(send, edit).filter((message) => message.at <= at);
  const what = `#${send}${edit !== undefined ? ` edit ${edit}` : ''}`;
  switch (claim.kind) {
    case 'delivered':
      return arrived.length === 0
        ? `says "${claim.phrase}" but nothing of ${what} had reached Fxiaoke`
        : undefined;
    case 'not_delivered': {
      const ever = view.messagesOf(send);
      return ever.length > 0
        ? `says "${claim.phrase}" but ${what} reached Fxiaoke (${ever.map((m) => m.messageId).join(', ')})`
        : undefined;
    }
    case 'maybe':
      return view.sendRequestsOf(send, edit).some((request) => request.at <= at)
        ? undefined
        : `says "${claim.phrase}" but no call carrying ${what} had reached Fxiaoke: it cannot have arrived`;
    case 'live':
      return arrived.some((message) => !message.revoked || (message.revokedAt ?? 0) > at)
        ? undefined
        : `says "${claim.phrase}" but nothing of ${what} was in Fxiaoke then${arrived.length > 0 ? ` (${arrived.map((m) => m.messageId).join(', ')} revoked)` : ''}`;
    case 'revoked': {
      const last = arrived.at(-1);
      if (!last) return `says "${claim.phrase}" but nothing of ${what} had reached Fxiaoke`;
      return last.revoked && (last.revokedAt ?? Number.POSITIVE_INFINITY) <= at
        ? undefined
        : `says "${claim.phrase}" but Fxiaoke still showed ${last.messageId} (${what})`;
    }
    case 'revoke_uncertain': {
      const ids = view.messagesOf(send).map((message) => message.messageId);
      return view.revokeRequestsOf(ids).some((request) => request.at <= at)
        ? undefined
        : `says "${claim.phrase}" but no revoke call for ${what} had reached Fxiaoke`;
    }
    default:
      return undefined;
  }
}

export const statementsTrue: Rule = (view) => {
  const violations: Violation[] = [];
  for (const statement of view.history.statements) {
    if (!statement.heard || statement.via === 'receipt') continue;
    for (const claim of statement.claims) {
      const send = view.sendOfClaim(statement, claim);
      if (send === undefined) continue;
      const wrong = falsehood(view, claim, send, view.editShown(statement, send), statement.at);
      if (wrong)
        violations.push({
          rule: 'statement-true',
          send,
          ...(statement.op !== undefined ? { op: statement.op } : {}),
          ...(claim.relayId ? { relayId: claim.relayId } : {}),
          message: `${statement.via} ${wrong}`,
        });
    }
  }
  return violations;
};

export const receiptsTrue: Rule = (view) => {
  const violations: Violation[] = [];
  for (const statement of view.history.statements) {
    if (statement.via !== 'receipt') continue;
    for (const claim of statement.claims) {
      const send = view.sendOfClaim(statement, claim);
      if (send === undefined) continue;
      const edit = view.editShown(statement, send);
      const base = {
        rule: 'receipt-true' as const,
        send,
        ...(claim.relayId ? { relayId: claim.relayId } : {}),
      };
      if (claim.kind === 'in_progress') {
        violations.push({
          ...base,
          message: `receipt ${statement.receipt} still says "${claim.phrase}" after everything settled`,
        });
        continue;
      }
      const wrong = falsehood(view, claim, send, edit, Number.POSITIVE_INFINITY);
      if (wrong) {
        violations.push({ ...base, message: `receipt ${statement.receipt} ${wrong}` });
        continue;
      }
      const current = view.messagesOf(send, edit).at(-1);
      if (claim.kind === 'delivered' && current?.revoked)
        violations.push({
          ...base,
          message: `receipt ${statement.receipt} says "${claim.phrase}" but Fxiaoke has revoked ${current.messageId}`,
        });
    }
  }
  return violations;
};

const ANSWERED_KINDS = new Set([
  'command',
  'shortcut-send',
  'revoke-button',
  'revoke-shortcut',
  'held-answer',
  'offer-answer',
]);

/** The relays an operation is about (its own send's, or its target's). */
function relaysOfOp(view: View, index: number): string[] {
  const send = view.sendOfOp(index);
  return view.history.relays.filter((relay) => view.sendOfRelay(relay.id) === send).map((relay) => relay.id);
}

/** Everything the user heard about an operation: on its own channel, or naming its relays since it started. */
function heardAbout(view: View, index: number): Statement[] {
  const started = view.history.ops.find((op) => op.index === index)?.startedAt ?? 0;
  const relays = new Set(relaysOfOp(view, index));
  const send = view.sendOfOp(index);
  return view.history.statements
    .filter(
      (statement) =>
        statement.heard &&
        (statement.op === index ||
          (statement.at >= started &&
            (statement.claims.some((claim) => claim.relayId && relays.has(claim.relayId)) ||
              (send !== undefined &&
                statement.via === 'receipt' &&
                statement.tags.some((t) => t.send === send))))),
    )
    .sort((a, b) => a.at - b.at);
}

export const acksAnswered: Rule = (view) => {
  const violations: Violation[] = [];
  for (const planned of view.history.plan) {
    if (!ANSWERED_KINDS.has(planned.op.kind)) continue;
    const record = view.history.ops.find((op) => op.index === planned.index);
    if (!record || record.skipped) continue;
    const deliveries = record.deliveries.map((i) => view.history.deliveries[i]!);
    // The request that carries the work: a shortcut-send's modal submission, else the one request.
    const carrying =
      planned.op.kind === 'shortcut-send'
        ? deliveries.filter((d) => d.what.startsWith('view_submission'))
        : deliveries;
    if (!carrying.some((delivery) => delivery.status === 200)) continue;
    const heard = heardAbout(view, planned.index);
    const saying = heard.filter((statement) => statement.claims.length > 0);
    if (saying.length === 0) {
      violations.push({
        rule: 'ack-answered',
        op: planned.index,
        ...(view.sendOfOp(planned.index) !== undefined ? { send: view.sendOfOp(planned.index)! } : {}),
        message: `#${planned.index} (${planned.op.kind}) was acked but the user was never told anything about it`,
      });
      continue;
    }
    if (planned.op.kind !== 'command' && planned.op.kind !== 'shortcut-send') continue;
    // A receipt is what stays in the channel; without one, the last private word counts.
    const receipt = saying.filter((statement) => statement.via === 'receipt');
    const words = (receipt.length > 0 ? receipt : saying).flatMap((statement) =>
      statement.claims.filter((claim) => claim.kind !== 'info').map((claim) => ({ statement, claim })),
    );
    const last = words.at(-1);
    if (last?.claim.kind === 'in_progress')
      violations.push({
        rule: 'last-word-final',
        op: planned.index,
        send: planned.index,
        ...(last.claim.relayId ? { relayId: last.claim.relayId } : {}),
        message: `the last thing the sender of #${planned.index} heard was "${last.claim.phrase}" (${last.statement.via}); nothing followed`,
      });
  }
  return violations;
};

export const noBusy500: Rule = (view) => {
  const byOp = new Map<number, number[]>();
  for (const delivery of view.history.deliveries)
    if (delivery.what.startsWith('event') && (delivery.status ?? 0) >= 500 && delivery.storeUp)
      byOp.set(delivery.op, [...(byOp.get(delivery.op) ?? []), delivery.status!]);
  return [...byOp].map(([op, statuses]) => {
    const what = view.history.deliveries.find((delivery) => delivery.op === op)?.what ?? 'event';
    const send = view.sendOfOp(op);
    return {
      rule: 'busy-500' as const,
      op,
      ...(send !== undefined ? { send } : {}),
      message: `#${op} ${what} was answered HTTP ${[...new Set(statuses)].join('/')} ${statuses.length} time${statuses.length === 1 ? '' : 's'} while the store was up (Slack had to deliver it again)`,
    };
  });
};

export const RULES: readonly Rule[] = [
  exactlyOnce,
  newestTextLast,
  storeMatchesFxiaoke,
  deliveryRecorded,
  statementsTrue,
  receiptsTrue,
  acksAnswered,
  workingState,
  noBusy500,
];

/** Every rule over the history; one violation per distinct finding. */
export function check(history: History): Violation[] {
  const view = new View(history);
  const seen = new Set<string>();
  return RULES.flatMap((rule) => rule(view)).filter((violation) => {
    const key = `${violation.rule} ${violation.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
