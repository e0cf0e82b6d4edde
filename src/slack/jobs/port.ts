/**
 * What listeners ask of the relay jobs, as ListenerContext names it. An interface of its own
 * because the jobs take a ListenerContext: context.ts naming the RelayJobs class would make the
 * two import each other.
 */
import type { types } from '@slack/bolt';
import type { RevokeOutcome } from '../../relay/revoke.js';
import type { RelayRecord } from '../../relay/types.js';

/** Where a relay's answers go (answer.ts builds them). */
export type Answer = (text: string, blocks?: types.KnownBlock[]) => Promise<void>;

export interface RelayJobsPort {
  /** A received send (any door), answered through `answer`. */
  send(record: RelayRecord, answer: Answer, options?: { replaceHeld?: Answer }): void;
  /** Claimed revokes (and the answers of relays that needed no call), answered together. */
  revoke(
    claimed: readonly RelayRecord[],
    answered: readonly RevokeOutcome[],
    actorId: string,
    answer: Answer | undefined,
  ): void;
  /** A relay another (or an earlier) process left in work; this process holds its lease now. */
  takeOver(record: RelayRecord): void;
}
