/**
 * Admission of a send: access (access.ts) and the per-user rate limit (send-rate.ts), before
 * anything is looked up, written or sent. sendRelay and confirmHeldRelay call it, so no path to
 * Fxiaoke skips it; front doors call it too, earlier, to refuse before a modal opens or inline in
 * one. The rate limit is only peeked here; `claimCounted` takes the slot, atomically, when the
 * relay is claimed — the moment a relay is known to be started rather than refused or a duplicate.
 */

import { decideSendAccess, type GroupMembers, OPEN_SEND_ACCESS, type SendAccessPolicy } from './access.js';
import type { RelayDeps } from './deps.js';
import type { CreateResult } from './ports/store.js';
import type { RelayRecord } from './types.js';

export type SendRefusal =
  /** Not allowed by `access.send`; the policy and admins let the answer say who is and whom to ask. */
  | {
      kind: 'not_allowed';
      reason: 'channel' | 'not_listed';
      policy: SendAccessPolicy;
      admins: readonly string[];
    }
  /** Membership of a listed user group could not be read from Slack: refused, not let through. */
  | { kind: 'group_lookup_failed' }
  | { kind: 'rate_limited'; limit: number; windowMs: number; retryAfterMs: number };

export interface Sender {
  userId: string;
  channelId: string;
}

type AdmissionDeps = Pick<RelayDeps, 'settings' | 'sendLimiter' | 'log'>;

/** Undefined when `sender` may start a relay now; otherwise why not. Takes no rate-limit slot. */
export async function admitSend(
  deps: AdmissionDeps,
  sender: Sender,
  groupMembers: GroupMembers | undefined,
): Promise<SendRefusal | undefined> {
  return (await admitSender(deps, sender, groupMembers)) ?? (await admitRate(deps, sender));
}

/** The access half of admitSend: may this sender send from there at all? */
export async function admitSender(
  deps: AdmissionDeps,
  sender: Sender,
  groupMembers: GroupMembers | undefined,
): Promise<SendRefusal | undefined> {
  return logged(deps, sender, await accessRefusal(deps, sender, groupMembers));
}

/** The rate half of admitSend: may this sender start another relay now? */
export async function admitRate(deps: AdmissionDeps, sender: Sender): Promise<SendRefusal | undefined> {
  return logged(deps, sender, await rateRefusal(deps, sender));
}

function logged(deps: AdmissionDeps, sender: Sender, refusal: SendRefusal | undefined) {
  if (refusal) {
    deps.log.info(
      { user: sender.userId, channel: sender.channelId, refusal: refusalLabel(refusal) },
      'send refused',
    );
  }
  return refusal;
}

async function accessRefusal(
  deps: AdmissionDeps,
  sender: Sender,
  groupMembers: GroupMembers | undefined,
): Promise<SendRefusal | undefined> {
  const policy = deps.settings.access?.send ?? OPEN_SEND_ACCESS;
  const admins = deps.settings.admins;
  const decision = await decideSendAccess(policy, admins, sender, groupMembers);
  if (decision.allowed) return undefined;
  if (decision.reason === 'group_lookup_failed') return { kind: 'group_lookup_failed' };
  return { kind: 'not_allowed', reason: decision.reason, policy, admins };
}

async function rateRefusal(deps: AdmissionDeps, sender: Sender): Promise<SendRefusal | undefined> {
  const limiter = deps.sendLimiter;
  if (!limiter) return undefined;
  const wait = await limiter.waitFor(sender.userId);
  return wait > 0 ? rateLimited(deps, wait) : undefined;
}

function rateLimited(deps: Pick<RelayDeps, 'sendLimiter'>, retryAfterMs: number): SendRefusal {
  const limiter = deps.sendLimiter;
  return {
    kind: 'rate_limited',
    limit: limiter?.limit ?? 0,
    windowMs: limiter?.windowMs ?? 0,
    retryAfterMs,
  };
}

function refusalLabel(refusal: SendRefusal): string {
  return refusal.kind === 'not_allowed' ? `not_allowed:${refusal.reason}` : refusal.kind;
}

/**
 * Claims a relay in the store as one of its sender's sends: takes a rate-limit slot first (a
 * concurrent send may have taken the last one since admitSend), gives it back if the claim finds
 * the request already handled.
 */
export async function claimCounted(
  deps: Pick<RelayDeps, 'store' | 'sendLimiter' | 'log'>,
  draft: RelayRecord,
): Promise<CreateResult | { refused: SendRefusal }> {
  const slot = deps.sendLimiter ? await deps.sendLimiter.take(draft.senderId) : undefined;
  if (slot && 'retryAfterMs' in slot) {
    deps.log.info({ user: draft.senderId, refusal: 'rate_limited' }, 'send refused');
    return { refused: rateLimited(deps, slot.retryAfterMs) };
  }
  // A slot that cannot be given back only makes the sender wait a little longer: logged, not fatal.
  const release = () =>
    slot?.release().catch((error: unknown) => {
      deps.log.warn({ user: draft.senderId, err: error }, 'send rate-limit slot could not be given back');
    });
  let claim: CreateResult;
  try {
    claim = await deps.store.create(draft);
  } catch (error) {
    await release();
    throw error;
  }
  if (!claim.created) await release();
  return claim;
}
