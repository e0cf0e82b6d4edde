/**
 * What a front door may ask of the core, and nothing more: every use-case a Slack listener (or a
 * CLI, an HTTP API, another chat) needs, over RelayDeps that are built once in wiring. Doors never
 * see the store: each door call below is the door's one store round trip, made within the intake
 * deadline, with the undo of a write that lands after the door gave up (intake.ts withinIntake).
 *
 * A new use-case (an edit sync, say) adds a door method (its intake) and a work method (its
 * carrying out after the ack) here, and nothing in the doors' context changes.
 */
import type { Sender, SendRefusal } from './admission.js';
import { admitSend } from './admission.js';
import { carryOutReceived } from './carry-out.js';
import { checkRecipients, type RecipientCheck } from './check.js';
import type { DepartmentDirectory } from './departments.js';
import type { RelayDeps, RelayObserver, RelaySettings } from './deps.js';
import {
  cancelHeldRelay,
  carryOutConfirmation,
  type HeldOutcome,
  receiveHeldConfirmation,
  returnToHold,
} from './held.js';
import {
  discardIntake,
  type IntakeOutcome,
  type IntakeRequest,
  receiveRequest,
  withinIntake,
} from './intake.js';
import { claimLease, withLease } from './lease.js';
import { type NumberedRelay, receiveMessageRevokes, relaysOfMessage } from './message-relays.js';
import { settleOwed } from './owed.js';
import type { PeopleDirectory } from './people.js';
import { persistently } from './persistently.js';
import { carryOutRevoke, type RevokeOutcome, receiveRevoke, releaseClaim } from './revoke.js';
import {
  type RoutedIntake,
  type RoutedMessage,
  type RoutedReaction,
  receiveRoutedMessage,
  receiveRoutedReaction,
} from './route.js';
import type { SendOutcome } from './send.js';
import { type SyncFacade, syncFacade } from './sync-facade.js';
import { handOverWaiting } from './sync-waiting.js';
import { type ResumedSend, resumePending } from './takeover.js';
import type { RelayRecord, SlackMessageRef } from './types.js';

/** The store did not take a door's write in time: nothing was taken, the user is told to retry. */
export type Unavailable = { type: 'unavailable' };

/** A confirmation of a held relay, received: to be carried out, or answered as it is. */
export type ConfirmationIntake = HeldOutcome | { type: 'accepted'; record: RelayRecord };

/** A revoke, received: the relays claimed for the Fxiaoke calls, and the answers that need none. */
export interface RevokeIntake {
  type: 'received';
  claimed: RelayRecord[];
  answered: RevokeOutcome[];
}

/** What to revoke: one relay (a Revoke button), or everything sent from one Slack message. */
export type RevokeTarget =
  | { relayId: string }
  /** `named`: the relay the message's own Revoke button names, when the message is a receipt. */
  | { message: SlackMessageRef; named?: string };

export interface RelayFacade {
  /** The relay settings in force (aliases, admins, limits, channel defaults): read them at use, they change (deps.ts). */
  readonly settings: RelaySettings;
  /** The Fxiaoke address book (recipient typeahead, labels), when there is one. Read only. */
  readonly people: PeopleDirectory | undefined;
  /** Fxiaoke departments (typeahead, labels), when there are. Read only. */
  readonly departments: DepartmentDirectory | undefined;

  // Front doors, before the ack: store work only, within the intake deadline.
  /** Records a send as typed (status `received`); a second delivery finds the first. */
  receiveSend(request: IntakeRequest): Promise<IntakeOutcome>;
  /** A received send the compose form took back (inline errors): nobody carries it out. */
  discardSend(record: RelayRecord): Promise<void>;
  /** Who may send, and the rate limit, without taking a slot (carrying out checks again). */
  admitSend(sender: Sender): Promise<SendRefusal | undefined>;
  /** Whether every recipient is known, with the address book and the chat's profiles. */
  checkRecipients(inputs: readonly string[]): Promise<RecipientCheck>;
  /** "Send to the reachable" on a held relay: received again, for its sender only. */
  receiveConfirmation(heldId: string, actorId: string): Promise<ConfirmationIntake | Unavailable>;
  /** "Cancel" on a held relay: recorded at once; nothing is sent. */
  cancelHeld(heldId: string, actorId: string): Promise<HeldOutcome | Unavailable>;
  /** Claims for revoking (with who asked) every relay of the target that needs a Fxiaoke call. */
  receiveRevoke(target: RevokeTarget, actorId: string): Promise<RevokeIntake | Unavailable>;
  /**
   * A new message of a routed channel, or a reaction that relays one (route.ts): recorded
   * `received`. Not bounded by the intake deadline and not caught: an event that was not recorded
   * must not be acked, so Slack delivers it again.
   */
  receiveRoutedMessage(message: RoutedMessage): Promise<RoutedIntake>;
  receiveRoutedReaction(reaction: RoutedReaction): Promise<RoutedIntake>;

  // Lists.
  /** A user's recent relays, or everyone's for an fx-bridge admin. */
  listFor(userId: string, limit: number): Promise<{ admin: boolean; records: RelayRecord[] }>;
  /** Every relay sent from one Slack message (the first and deliberate repeats), numbered. */
  relaysOfMessage(ref: SlackMessageRef): Promise<NumberedRelay[]>;

  // Work after the ack, in the work queue, under the relay's lease.
  carryOutSend(received: RelayRecord, observer: RelayObserver): Promise<SendOutcome>;
  carryOutConfirmation(
    received: RelayRecord,
    observer: RelayObserver,
  ): Promise<HeldOutcome | { type: 'finished'; record: RelayRecord }>;
  carryOutRevoke(claimed: RelayRecord): Promise<RevokeOutcome>;
  /** A `pending` relay left by another (or an earlier) process, continued without sending twice. */
  resumeSend(claimed: RelayRecord, observer: RelayObserver): Promise<ResumedSend>;
  /**
   * Takes the lease of a queued relay and keeps it while `work` runs. False (and `work` not run)
   * when another process took the relay over meanwhile or the lease could not be claimed. The
   * work's last write hands over an edit or delete recorded beside it (finish-work.ts); whatever
   * work ended another way is checked once more after it (sync-waiting.ts handOverWaiting).
   */
  underLease(record: RelayRecord, work: () => Promise<void>): Promise<boolean>;
  /** Keeps the lease this process already holds on `relayId` while `work` runs; hands over as above. */
  keepLease<T>(relayId: string, work: () => Promise<T>): Promise<T>;
  /** The sender was told how the work ended: the answer is no longer owed (owed.ts). Never throws. */
  settleOwed(relayId: string): Promise<void>;
  /** A receipt posted late (an owed answer, told after a takeover): the relay is keyed by it. */
  keyReceipt(relayId: string, slack: SlackMessageRef): Promise<RelayRecord>;

  /** Edits and deletes of relayed messages (sync-facade.ts). */
  readonly sync: SyncFacade;
}

export function relayFacade(deps: RelayDeps): RelayFacade {
  return {
    settings: deps.settings,
    people: deps.people,
    departments: deps.departments,

    receiveSend: (request) => receiveRequest(deps, request),
    discardSend: (record) => discardIntake(deps, record),
    admitSend: (sender) => admitSend(deps, sender, deps.groupMembers),
    checkRecipients: (inputs) => checkRecipients(deps, inputs, deps.profiles),
    receiveConfirmation: (heldId, actorId) =>
      withinIntake(deps, receiveHeldConfirmation(deps, heldId, actorId), async (late) => {
        // The sender was told nothing was taken: put the relay back on hold.
        if (late.type === 'accepted') await returnToHold(deps, late.record);
      }),
    // A cancel that lands late still only cancels: nothing to undo.
    cancelHeld: (heldId, actorId) =>
      withinIntake(deps, cancelHeldRelay(deps, heldId, actorId), async () => undefined),
    receiveRevoke: async (target, actorId) => {
      const claims =
        'relayId' in target
          ? receiveRevoke(deps, { target: { relayId: target.relayId }, actorId }).then((each) => [each])
          : receiveMessageRevokes(deps, target.message, actorId, target.named);
      const received = await withinIntake(deps, claims, async (late) => {
        for (const each of late) if (each.type === 'accepted') await releaseClaim(deps, each.record);
      });
      if (!Array.isArray(received)) return received;
      const intake: RevokeIntake = { type: 'received', claimed: [], answered: [] };
      for (const each of received) {
        if (each.type === 'accepted') intake.claimed.push(each.record);
        else intake.answered.push(each);
      }
      return intake;
    },

    receiveRoutedMessage: (message) => receiveRoutedMessage(deps, message),
    receiveRoutedReaction: (reaction) => receiveRoutedReaction(deps, reaction),

    listFor: async (userId, limit) => {
      const admin = deps.settings.admins.includes(userId);
      const records = admin
        ? await deps.store.listRecent(limit)
        : await deps.store.listBySender(userId, limit);
      return { admin, records };
    },
    relaysOfMessage: (ref) => relaysOfMessage(deps.store, ref),

    carryOutSend: (received, observer) => carryOutReceived(deps, received, observer),
    carryOutConfirmation: (received, observer) => carryOutConfirmation(deps, received, observer),
    carryOutRevoke: (claimed) => carryOutRevoke(deps, claimed),
    resumeSend: (claimed, observer) => resumePending(deps, claimed, observer),
    underLease: async (record, work) => {
      // A store that fails is not another replica winning: the claim is held back and retried like
      // any write that must land. Taken as "not mine", the relay would stay in work under this
      // process's own lease, which no takeover claims while the process lives.
      const mine = await persistently(deps, { relayId: record.id, claimingLease: true }, () =>
        claimLease(deps, record),
      );
      if (!mine) return false;
      await workThenHandOver(deps, record.id, work);
      return true;
    },
    keepLease: (relayId, work) => workThenHandOver(deps, relayId, work),
    settleOwed: (relayId) => settleOwed(deps, relayId),
    keyReceipt: (relayId, slack) =>
      persistently(deps, { relayId, slack }, () => deps.store.update(relayId, { slack })),
    sync: syncFacade(deps),
  };
}

/**
 * Work under the lease, then whatever change of the Slack message arrived meanwhile and was not
 * handed over by the work's last write is handed over now. A failed handover is only logged: the
 * process that recorded the change looks again.
 */
async function workThenHandOver<T>(deps: RelayDeps, relayId: string, work: () => Promise<T>): Promise<T> {
  try {
    return await withLease(deps, relayId, work);
  } finally {
    await handOverWaiting(deps, relayId).catch((error: unknown) =>
      deps.log.warn({ relayId, err: error }, 'could not hand over a change recorded during work'),
    );
  }
}
