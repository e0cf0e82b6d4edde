/**
 * Carrying out a received request (intake.ts), in this process right after the ack or in any
 * process after a takeover (takeover.ts): who may send, the rate limit, the recipients (address
 * book, Slack profiles), then the batches. Every decision is written to the relay record, so the
 * request is never left `received` once looked at. `sendRelay` is the whole send in one call.
 */
import { admitRate, admitSender, type SendRefusal } from './admission.js';
import { cardOf, relayContent } from './card.js';
import { checkRecipients } from './check.js';
import type { RelayDeps } from './deps.js';
import { finishWork } from './finish-work.js';
import { heldError } from './hold.js';
import { sourceOf } from './ids.js';
import { type IntakeDeps, type IntakeRequest, receiveRequest } from './intake.js';
import { anyCallOut, interruption } from './interrupted.js';
import { fenced, holdsLease, leaseForMe } from './lease.js';
import type { RelayObserver } from './observer.js';
import { owedBy } from './owed.js';
import { persistently } from './persistently.js';
import type { AttachmentRef } from './ports/files.js';
import { SlackMessageTakenError, StoreError } from './ports/store-errors.js';
import { prepareRouted, responsibleFor } from './route.js';
import { draftBatches, type SendDeps, type SendOutcome, sendPendingBatches } from './send.js';
import type { RelayError, RelayFormat, RelayIntake, RelayRecord, SlackMessageRef } from './types.js';

/**
 * What carrying out a request takes: sending's deps, and who may send (access, the rate limit),
 * who the recipients are (the address book, departments, Slack profiles), the card's link, a
 * routed message's text (chat messages), the resume limit.
 */
export type CarryOutDeps = SendDeps &
  Pick<
    RelayDeps,
    | 'settings'
    | 'resumeLimitMs'
    | 'leaseMs'
    | 'sendLimiter'
    | 'groupMembers'
    | 'people'
    | 'profiles'
    | 'links'
    | 'departments'
    | 'messages'
  >;

export const EXPIRED = 'expired';
export const REFUSED = 'refused';
export const INVALID_RECIPIENTS = 'invalid_recipients';

/** What the record's intake says, or what a record from before intakes (a held relay) implies. */
export function intakeOf(record: RelayRecord): RelayIntake {
  if (record.intake) return record.intake;
  const source = sourceOf(record);
  const slack = source?.slack;
  return {
    door: slack ? 'message' : 'command',
    teamId: source?.teamId ?? '',
    senderName: '',
    ...(slack ? { slack } : {}),
    receivedAt: record.createdAt,
  };
}

/**
 * Carries out a received request. An unexpected error (a store outage) comes out as the relay's
 * interruption (interrupted.ts), saying whether a call of it may have reached Fxiaoke.
 */
export async function carryOutReceived(
  deps: CarryOutDeps,
  taken: RelayRecord,
  observer: RelayObserver = {},
): Promise<SendOutcome> {
  try {
    return await carryOut(deps, taken, observer);
  } catch (error) {
    throw interruption(taken.id, anyCallOut(taken.batches), error);
  }
}

async function carryOut(
  deps: CarryOutDeps,
  taken: RelayRecord,
  observer: RelayObserver,
): Promise<SendOutcome> {
  let received = taken;
  let intake = intakeOf(received);
  if (deps.now() - intake.receivedAt > deps.resumeLimitMs) {
    const minutes = Math.round(deps.resumeLimitMs / 60_000);
    const record = await close(deps, received, {
      kind: EXPIRED,
      message: `Not sent: fx-bridge could not carry it out within ${minutes} minutes of receiving it (it was stopped or overloaded). Send it again if it is still wanted.`,
    });
    deps.log.warn({ relayId: received.id }, 'received request expired before it could be sent');
    return { type: 'expired', record };
  }
  // A routed relay answers to its author, or to whoever reacted (route.ts).
  const sender = { userId: responsibleFor(received), channelId: received.originChannelId };
  const refusal = (await admitSender(deps, sender, deps.groupMembers)) ?? (await admitRate(deps, sender));
  if (refusal) return refused(deps, received, refusal);
  const routed = await prepareRouted(deps, received);
  if ('problem' in routed) {
    await close(deps, received, { kind: routed.problem.kind, message: routed.problem.message });
    return { type: 'invalid_text', problem: routed.problem.message };
  }
  received = routed.record;
  intake = intakeOf(received);

  let recipients = received.recipients;
  let departments = received.departments;
  let content = received.content;
  if (!intake.confirmedBy) {
    const check = await checkRecipients(deps, received.recipientsInput, deps.profiles);
    if (!check.ok) {
      await close(deps, received, {
        kind: INVALID_RECIPIENTS,
        message: `Not sent: ${check.problems.length} recipient problem${check.problems.length === 1 ? '' : 's'}.`,
      });
      return { type: 'invalid_recipients', problems: check.problems };
    }
    recipients = check.recipients;
    departments = check.departments;
    content = relayContent(deps.settings.messageTemplate, received.format, {
      senderName: intake.senderName,
      channelName: intake.channelName,
      text: received.text,
    });
    if (check.unreachable.length > 0) {
      const record = await fenced(deps, received.id, () =>
        persistently(deps, { relayId: received.id, held: true }, () =>
          finishWork(
            deps.store,
            received.id,
            {
              status: 'held',
              recipients,
              ...(departments ? { departments } : {}),
              content,
              error: heldError(check.unreachable, recipients.length),
              lease: undefined,
              owed: owedBy(deps, 'held'),
            },
            (current) => isReceived(current) && holdsLease(deps, current),
          ),
        ),
      );
      deps.log.info(
        { relayId: record.id, unreachable: check.unreachable.length, reachable: recipients.length },
        'relay held for confirmation',
      );
      return { type: 'held', record, unreachable: check.unreachable };
    }
  }

  // The rate-limit slot is taken now, atomically: a concurrent send may have taken the last one.
  const slot = deps.sendLimiter ? await deps.sendLimiter.take(sender.userId) : undefined;
  if (slot && 'retryAfterMs' in slot) {
    return refused(deps, received, {
      kind: 'rate_limited',
      limit: deps.sendLimiter?.limit ?? 0,
      windowMs: deps.sendLimiter?.windowMs ?? 0,
      retryAfterMs: slot.retryAfterMs,
    });
  }
  // A card's link is looked up now, so every later send of it (a resumed batch, an update) is the same.
  const card =
    received.format === 'card' ? (received.card ?? (await cardOf(deps, received, intake))) : undefined;
  // Not marked dispatched here: each call is, once the rate budget let it go (send.ts).
  const batches = draftBatches(deps, recipients);
  const slack = intake.repeat ? undefined : intake.slack;
  let pending: RelayRecord;
  try {
    pending = await persistently(deps, { relayId: received.id, starting: true }, () =>
      deps.store.update(
        received.id,
        {
          status: 'pending',
          recipients,
          ...(departments ? { departments } : {}),
          content,
          batches,
          error: undefined,
          lease: leaseForMe(deps),
          ...(slack ? { slack } : {}),
          ...(card ? { card } : {}),
        },
        (current) => current.status === 'received' && current.lease?.owner === deps.instanceId,
      ),
    );
  } catch (error) {
    await slot?.release().catch(() => undefined);
    // The Slack message is another relay's already (a second request for the same message).
    if (error instanceof SlackMessageTakenError) {
      await close(deps, received, {
        kind: 'duplicate',
        message: `Not sent: already relayed as ${error.existing.id}.`,
      });
      return { type: 'duplicate', record: error.existing };
    }
    throw error;
  }
  return { type: 'finished', record: await sendPendingBatches(deps, pending, observer, 'send') };
}

async function refused(deps: CarryOutDeps, record: RelayRecord, refusal: SendRefusal): Promise<SendOutcome> {
  await close(deps, record, { kind: REFUSED, message: `Not sent: refused (${refusal.kind}).` });
  return { type: 'refused', refusal };
}

/** A request that will not be sent: recorded as `failed` with why, so nobody picks it up again. */
async function close(
  deps: Pick<RelayDeps, 'store' | 'log' | 'writesAbandoned' | 'instanceId' | 'leaseMs' | 'now'>,
  record: RelayRecord,
  error: RelayError,
): Promise<RelayRecord> {
  return fenced(deps, record.id, () =>
    persistently(deps, { relayId: record.id, closing: error.kind }, () =>
      finishWork(
        deps.store,
        record.id,
        { status: 'failed', error, lease: undefined, owed: owedBy(deps, 'send') },
        (current) => isReceived(current) && holdsLease(deps, current),
      ),
    ),
  );
}

function isReceived(current: RelayRecord): boolean {
  return current.status === 'received';
}

export interface SendRequest {
  /** Identifies the Slack request; a second delivery finds the first relay. */
  requestKey: string;
  senderId: string;
  senderName: string;
  originChannelId: string;
  channelName: string | undefined;
  recipientsInput: string[];
  text: string;
  /** The Slack message to key the relay by, when known up front (message shortcut). */
  slack?: SlackMessageRef;
  /** Files of the relayed message: images are forwarded after the text, the rest named in it. */
  attachments?: AttachmentRef[];
  /** `card`: sent as a Fxiaoke card (relay/card.ts); default text. */
  format?: RelayFormat;
}

/** A SendRequest as the intake keeps it. */
export function intakeOfSendRequest(request: SendRequest): IntakeRequest {
  return {
    requestKey: request.requestKey,
    senderId: request.senderId,
    originChannelId: request.originChannelId,
    recipientsInput: request.recipientsInput,
    text: request.text,
    ...(request.attachments ? { attachments: request.attachments } : {}),
    ...(request.format ? { format: request.format } : {}),
    intake: {
      door: request.slack ? 'message' : 'command',
      teamId: request.slack?.teamId ?? '',
      senderName: request.senderName,
      ...(request.channelName !== undefined ? { channelName: request.channelName } : {}),
      ...(request.slack ? { slack: request.slack } : {}),
    },
  };
}

/**
 * The whole send in one call: the intake write (intake.ts), then carrying it out. Front doors
 * split the two around Slack's ack; tests and other callers may use this.
 */
export async function sendRelay(
  deps: IntakeDeps & CarryOutDeps,
  request: SendRequest,
  observer: RelayObserver = {},
): Promise<SendOutcome> {
  const received = await receiveRequest(deps, intakeOfSendRequest(request));
  switch (received.type) {
    case 'accepted':
      return carryOutReceived(deps, received.record, observer);
    case 'duplicate':
      return { type: 'duplicate', record: received.record };
    case 'invalid_text':
      return received;
    case 'unavailable':
      throw new StoreError('The relay store did not take the request in time');
  }
}
