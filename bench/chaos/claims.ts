/**
 * What a Slack text tells the user about a relay, read the way a person reads it: "✅ Sent",
 * "nothing was delivered", "may or may not have arrived", "Revoked", "Queued"… Pure: a text (and a
 * receipt's blocks) in, claims out. The phrases are the bridge's own (src/slack/replies/,
 * src/slack/receipt/view.ts, src/slack/jobs/); a text none of them matches is `unclassified`, so a
 * new sentence is noticed instead of silently trusted.
 */
import type { Claim, ClaimKind } from './history.js';

export const RELAY_ID = /rl_[0-9A-HJKMNP-TV-Z]{22}/g;

export function relayIdsIn(text: string): string[] {
  return [...new Set(text.match(RELAY_ID) ?? [])];
}

/** A relay status as `status: sent` / `status sent` names it, as a claim. */
export function claimOfStatus(status: string): ClaimKind {
  switch (status) {
    case 'sent':
    case 'partial':
    case 'syncing':
      return 'delivered';
    case 'failed':
    case 'cancelled':
    case 'confirmed':
      return 'not_delivered';
    case 'unknown':
      return 'maybe';
    case 'revoked':
      return 'revoked';
    case 'held':
      return 'held';
    default:
      return 'in_progress';
  }
}

type Rule = readonly [RegExp, ClaimKind | ((match: RegExpExecArray) => ClaimKind)];

/** The receipt's status line (receipt/view.ts statusLine), first match wins. */
const RECEIPT_STATUS: readonly Rule[] = [
  [/a revoke may or may not have taken effect/, 'revoke_uncertain'],
  [/:white_check_mark: Sent/, 'delivered'],
  [/:warning: Partly sent/, 'delivered'],
  [/:x: Not sent/, 'not_delivered'],
  [/:grey_question: Outcome unknown/, 'maybe'],
  [/:wastebasket: Revoked/, 'revoked'],
  [/:hourglass_flowing_sand:/, 'in_progress'],
];

/** One line of an answer, first match wins. */
const LINE: readonly Rule[] = [
  [/a revoke may or may not have taken effect/, 'revoke_uncertain'],
  // The answer to a Revoke whose answer was lost (replies/results.ts).
  [/may or may not have been revoked/, 'revoke_uncertain'],
  // Recovery notices (jobs/notify-recovered.ts): the counts of the summary line.
  [
    /interrupted during relay \S+: (\d+) of (\d+) batches reached Fxiaoke(, (\d+) may or may not have)?/,
    (m) => (m[3] ? 'maybe' : Number(m[1]) > 0 ? 'delivered' : 'not_delivered'),
  ],
  [
    /interrupted during relay \S+: (\d+) of (\d+) batches revoked/,
    (m) => (m[1] === m[2] ? 'revoked' : 'info'),
  ],
  [/could not record this request in time.*nothing will be sent/, 'not_delivered'],
  [/could not record this request in time/, 'info'],
  // Install mode's refusals before anything is recorded (slack/installs/texts.ts): nothing was
  // taken, so a redelivery may still send it, as after "could not record this request in time".
  [/could not read this workspace’s installation just now/, 'info'],
  [/could not set up this workspace’s Fxiaoke connection just now/, 'info'],
  [/fx-bridge is not installed in this workspace/, 'info'],
  [/the message \*may or may not\* have been delivered/, 'maybe'],
  [/Part of it may already be in Fxiaoke/, 'maybe'],
  // An internal error before any call: the relay stays in work, for a takeover to carry on.
  [/nothing of it has reached Fxiaoke yet/, 'in_progress'],
  [/internal error while updating/, 'info'],
  [/internal error while revoking/, 'info'],
  [/Fxiaoke did not accept the message; nothing was delivered/, 'not_delivered'],
  [/shutting down; nothing was sent/, 'not_delivered'],
  [/Nothing has been sent yet/, 'held'],
  [/Cancelled\. Nothing was sent to Fxiaoke/, 'not_delivered'],
  [/The old copy stays in Fxiaoke\./, 'live'],
  [/:ok_hand: Kept: the copy in Fxiaoke stays/, 'live'],
  [/Nothing new was sent/, 'info'],
  // Answers to an update that started nothing: "… Nothing was sent" is about this click only.
  [/has no copy in Fxiaoke to update|already has this text/, 'info'],
  [/Nothing was sent/, 'not_delivered'],
  // A duplicate's answer: true of the moment; "still pending" is no word about the outcome.
  [
    /already (?:handled|sent) as relay `\S+` \(status: (\w+)\)/,
    (m) => (claimOfStatus(m[1] ?? '') === 'in_progress' ? 'info' : claimOfStatus(m[1] ?? '')),
  ],
  [/This was already confirmed\. It was not sent again/, 'info'],
  [/Sent as relay `\S+`; the receipt is in the channel/, 'delivered'],
  [/Revoked relay `\S+` from Fxiaoke/, 'revoked'],
  [/was already revoked/, 'revoked'],
  [/never reached Fxiaoke, so there is nothing to revoke/, 'not_delivered'],
  [/was not relayed to Fxiaoke by fx-bridge/, 'info'],
  [/cannot be revoked/, 'info'],
  [/could not be fully revoked/, 'info'],
  [/is still being (?:revoked|sent)/, 'in_progress'],
  [/:hourglass_flowing_sand: Queued/, 'in_progress'],
  [/Sending to the recipients who can be reached/, 'in_progress'],
  // A receipt rendered into a private answer ("Relayed to Fxiaoke. Sent to Fxiaoke by … status sent").
  [/Sent to Fxiaoke(?: as a card)? by <@\w+> — .*status (\w+)/, (m) => claimOfStatus(m[1] ?? '')],
  [/Updated in Fxiaoke: the new text|Partly updated in Fxiaoke: the new text/, 'delivered'],
  [/the new text \(version \d+\) \*may or may not\* have reached/, 'maybe'],
  [/the new text \(version \d+\) was not delivered/, 'not_delivered'],
  [/Not sent: fx-bridge could not carry it out/, 'not_delivered'],
  [
    /window could not be opened|You edited a Slack message|was deleted \(relay|Your Slack message was deleted|Left as it was|already answered|updated right now|no relay for this|carries no relay|Only <@\w+>/,
    'info',
  ],
];

function match(rules: readonly Rule[], line: string): { kind: ClaimKind; phrase: string } | undefined {
  for (const [pattern, kind] of rules) {
    const found = pattern.exec(line);
    if (found) return { kind: typeof kind === 'function' ? kind(found) : kind, phrase: found[0] };
  }
  return undefined;
}

export interface Classified {
  claims: Claim[];
  /** Lines none of the phrases matched. */
  unclassified: string[];
}

/**
 * Claims of a private answer (response_url post, ephemeral, DM, an ack's text): one per line that
 * says something, about the relay that line names (else the first relay the answer names, in its
 * text or else in `context`: the blocks the text stands for).
 */
export function classifyAnswer(text: string, context = text): Classified {
  const fallback = relayIdsIn(text)[0] ?? relayIdsIn(context)[0];
  const claims: Claim[] = [];
  const unclassified: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const found = match(LINE, line);
    if (!found) {
      // Lines that only carry detail (traceIds, a preview, an error's description) say nothing new.
      if (/^(?:[•>]|thirdTraceId|Relay `|Send this|\(|traceId|<)/.test(line.trim()) || claims.length > 0)
        continue;
      unclassified.push(line);
      continue;
    }
    const relayId = relayIdsIn(line)[0] ?? fallback;
    const version = /the new text \(version (\d+)\)/.exec(line)?.[1];
    claims.push({
      kind: found.kind,
      phrase: found.phrase,
      ...(relayId ? { relayId } : {}),
      ...(version ? { version: Number(version) } : {}),
    });
  }
  return { claims, unclassified };
}

/** The claim of a receipt, from its status line (the blocks' context), about the relay it names. */
export function classifyReceipt(statusLine: string, relayId: string | undefined): Classified {
  const found = match(RECEIPT_STATUS, statusLine);
  if (!found) return { claims: [], unclassified: [statusLine] };
  return {
    claims: [{ kind: found.kind, phrase: found.phrase, ...(relayId ? { relayId } : {}) }],
    unclassified: [],
  };
}

/** The inline errors of a modal submission's ack (`response_action: errors`): nothing was sent. */
export function classifyModalErrors(errors: Record<string, string>): Classified {
  const text = Object.values(errors).join(' ');
  return {
    claims: [{ kind: 'not_delivered', phrase: `modal error: ${text.slice(0, 80)}` }],
    unclassified: [],
  };
}
