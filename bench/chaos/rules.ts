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
 */ import type { History, Violation } from './history.js';
import { acksAnswered, noBusy500, receiptsTrue, statementsTrue } from './rules-answers.js';
import {
  deliveryRecorded,
  exactlyOnce,
  newestTextLast,
  storeMatchesFxiaoke,
  workingState,
} from './rules-fxiaoke.js';
import { type Rule, View } from './view.js';

export { acksAnswered, noBusy500, receiptsTrue, statementsTrue } from './rules-answers.js';
export {
  deliveryRecorded,
  exactlyOnce,
  newestTextLast,
  storeMatchesFxiaoke,
  workingState,
} from './rules-fxiaoke.js';
export { type Rule, View } from './view.js';

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
