/**
 * The part of the relay facade (facade.ts) for edits and deletes of relayed messages: the doors'
 * intakes (before the ack) and the work after it (sync.ts, update.ts), over RelayDeps built once.
 */
import type { RelayDeps, RelayObserver } from './deps.js';
import { withinIntake } from './intake.js';
import { releaseClaim } from './revoke.js';
import {
  type DismissOutcome,
  dismissOffer,
  type MessageChange,
  offerManualUpdate,
  receiveMessageChange,
  type SyncIntake,
  settleQuestion,
} from './sync.js';
import { actOnWaiting } from './sync-waiting.js';
import { type ResumedSend, resumePending } from './takeover.js';
import type { EditStamp, RelayRecord, SyncOffer } from './types.js';
import {
  carryOutUpdate,
  finishUpdate,
  receiveUpdate,
  type UpdateAsk,
  type UpdateOutcome,
  type UpdateReceived,
} from './update.js';

type Unavailable = { type: 'unavailable' };

export interface SyncFacade {
  /**
   * A message event (edit, delete): what it causes, recorded. Not bounded by the intake deadline
   * and not caught: an event that was not recorded must not be acked, so Slack delivers it again.
   */
  receiveMessageChange(change: MessageChange): Promise<SyncIntake[]>;
  /** Update in Fxiaoke (a button, the compose window): the relay claimed for the update. */
  receiveUpdate(ask: UpdateAsk): Promise<UpdateReceived | Unavailable>;
  /** Leave it / Keep: the question closed. */
  dismissOffer(relayId: string, offerId: string, actorId: string): Promise<DismissOutcome | Unavailable>;
  /**
   * The compose window's manual update, recorded as an offer with the message's current text (as
   * of `edit`, Slack's `edited.ts` of the message).
   */
  offerManualUpdate(
    record: RelayRecord,
    text: string,
    actorId: string,
    edit?: EditStamp,
  ): Promise<SyncOffer | undefined>;

  carryOutUpdate(claimed: RelayRecord, observer: RelayObserver): Promise<UpdateOutcome>;
  /** A `pending` update left by another process: continued without sending twice, then closed. */
  resumeUpdate(
    claimed: RelayRecord,
    observer: RelayObserver,
  ): Promise<{ resumed: ResumedSend; outcome: UpdateOutcome }>;
  /** The question was posted (or could not be): the relay goes back to what it was. */
  settleQuestion(record: RelayRecord, posted: boolean): Promise<RelayRecord>;
  /**
   * A recorded edit or delete, once due and the relay free: the work it starts (claimed, as
   * `receiveMessageChange` claims it), nothing, or when to look again (`waiting`).
   */
  actOnWaiting(relayId: string): Promise<SyncIntake>;
}

export function syncFacade(deps: RelayDeps): SyncFacade {
  return {
    receiveMessageChange: (change) => receiveMessageChange(deps, change),
    receiveUpdate: (ask) =>
      withinIntake(deps, receiveUpdate(deps, ask), async (late) => {
        // The sender was told nothing was taken: the relay goes back to what it was.
        if (late.type === 'accepted') await releaseClaim(deps, late.record);
      }),
    // Closing a question that lands late still only closes it: nothing to undo.
    dismissOffer: (relayId, offerId, actorId) =>
      withinIntake(deps, dismissOffer(deps, relayId, offerId, actorId), async () => undefined),
    offerManualUpdate: (record, text, actorId, edit) => offerManualUpdate(deps, record, text, actorId, edit),
    carryOutUpdate: (claimed, observer) => carryOutUpdate(deps, claimed, observer),
    resumeUpdate: async (claimed, observer) => {
      const resumed = await resumePending(deps, claimed, observer);
      // Calls that may have been delivered: the sender hears that fx-bridge was interrupted.
      const owes = resumed.interrupted > 0 ? 'recovered' : 'update';
      return { resumed, outcome: await finishUpdate(deps, resumed.record, { owes }) };
    },
    settleQuestion: (record, posted) => settleQuestion(deps, record, posted),
    actOnWaiting: (relayId) => actOnWaiting(deps, relayId),
  };
}
