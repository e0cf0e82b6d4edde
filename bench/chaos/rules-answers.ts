/**
 * The rules about what users were told: each answer true when it was read, each receipt true at
 * the end, every acked request answered with a last word that is not "Queued", no event answered
 * HTTP 500 while the store was up. See rules.ts for the whole list.
 */
import type { Claim, Statement, Violation } from './history.js';
import type { Rule, View } from './view.js';

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
      // About one version of an update ("the new text (version 2) was not delivered"): that edit's text only.
      const ever = claim.version !== undefined ? view.messagesOf(send, edit) : view.messagesOf(send);
      return ever.length > 0
        ? `says "${claim.phrase}" but ${what} reached Fxiaoke (${ever.map((m) => m.messageId).join(', ')})`
        : undefined;
    }
    case 'maybe':
      return view.sendRequestsOf(send, edit).some((request) => request.at <= at) ||
        view.dispatchMarksOf(send, edit).some((mark) => view.killedInDispatch(mark, at))
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

/**
 * Whether Slack delivered the same request again after this answer and that delivery was taken:
 * an ack's "nothing was taken, try again" is then answered by the retry, not contradicted by it.
 */
function takenLater(view: View, statement: Statement, send: number): boolean {
  if (statement.via !== 'ack') return false;
  return view.history.deliveries.some(
    (delivery) =>
      delivery.sentAt > statement.at &&
      delivery.status === 200 &&
      !delivery.ackBody &&
      (delivery.what === 'slash command' || delivery.what.startsWith('view_submission')) &&
      view.sendOfOp(delivery.op) === send,
  );
}

export const statementsTrue: Rule = (view) => {
  const violations: Violation[] = [];
  for (const statement of view.history.statements) {
    if (!statement.heard || statement.via === 'receipt') continue;
    for (const claim of statement.claims) {
      const send = view.sendOfClaim(statement, claim);
      if (send === undefined) continue;
      if (claim.kind === 'not_delivered' && takenLater(view, statement, send)) continue;
      const wrong = falsehood(view, claim, send, view.editOf(statement, claim, send), statement.at);
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
      const edit = view.editOf(statement, claim, send);
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
    // Answers to other requests about the same relay (a Revoke's "still being sent") are theirs.
    const own = saying.filter((statement) => statement.op === undefined || statement.op === planned.index);
    const receipt = own.filter((statement) => statement.via === 'receipt');
    const words = (receipt.length > 0 ? receipt : own).flatMap((statement) =>
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
