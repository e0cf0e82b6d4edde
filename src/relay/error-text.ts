/**
 * The sentences about failures inside fx-bridge, for every front door: one place, so the relay
 * record, the Slack answers and the CLI say the same thing. Fxiaoke's own failures are described
 * by fxiaoke/error-table.ts (what each errorCode means); store refusals by the presenters.
 *
 * Each sentence keeps the promise of relay/: a message that may be in Fxiaoke is never called
 * "not sent".
 */

/** Kept in a relay record for a failure that is not Fxiaoke's: its details are in the logs only. */
export const INTERNAL_ERROR_TEXT = 'An unexpected error happened inside fx-bridge (see its logs).';

/** A download of a relayed file that failed inside fx-bridge (completes "the download failed: …"). */
export const INTERNAL_DOWNLOAD_REASON = 'an unexpected error (see the logs)';

/**
 * After a failure inside fx-bridge (a store outage, a bug) that stopped a relay. Once a call of it
 * may have reached Fxiaoke: never "not sent", and what may be there is never sent again. Before any
 * call (relay/interrupted.ts): nothing is there yet, and the relay stays in work under this
 * process's lease, so another replica carries it on once the lease lapses, and this one once it
 * has lapsed by a whole lease more (takeover.ts ownLeftBehind) — never "may already be in
 * Fxiaoke", never "will not be sent".
 */
export function internalErrorWhileRelayingText(relayId: string, mayHaveReachedFxiaoke = true): string {
  if (!mayHaveReachedFxiaoke)
    return `:warning: fx-bridge hit an internal error before relay \`${relayId}\` went out (its store may be unreachable): nothing of it has reached Fxiaoke yet. It stays recorded, and fx-bridge carries it on once its store answers again (this replica or another); you will hear how it went, and the App Home shows its status.`;
  return `:x: fx-bridge hit an internal error while relaying this message (relay \`${relayId}\`). Part of it may already be in Fxiaoke, so what may be there will not be sent again automatically; the App Home and the logs show what is known.`;
}

/** After a failure inside fx-bridge during an update (revoke of the old copies, then the new text). */
export function internalErrorWhileUpdatingText(relayId: string): string {
  return `:x: fx-bridge hit an internal error while updating relay \`${relayId}\`. Part of it may already be revoked or sent, so nothing will be repeated automatically; the App Home and the logs show what is known.`;
}

export const INTERNAL_ERROR_WHILE_REVOKING_TEXT =
  'fx-bridge hit an internal error while revoking; part of it may already be revoked. Try again, or ask an admin to check the logs.';

/**
 * RelayError.kind of a call given up because fx-bridge is stopping: it was still waiting for the
 * Fxiaoke rate budget, so nothing of it went out (a send is only retried after an attempt Fxiaoke
 * answered without acting, fxiaoke/retry.ts, so no earlier attempt of it reached Fxiaoke either).
 */
export const STOPPING_KIND = 'stopping';

/** The RelayError message of such a call: true of a send and of a revoke alike. */
export const STOPPING_TEXT =
  'fx-bridge is shutting down, so this call to Fxiaoke was not made (nothing of it went out). Try again in a moment.';

/** The answer to a send of which every call was given up that way. */
export const STOPPED_SEND_TEXT = ':x: fx-bridge is shutting down; nothing was sent. Try again in a moment.';
