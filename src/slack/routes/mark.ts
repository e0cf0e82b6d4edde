/**
 * The quiet receipt of a routed relay: a reaction the bot adds to the relayed message once every
 * batch reached Fxiaoke, and takes off again when the relay is revoked. A routed channel gets no
 * receipt message per relay; people see the mark (and Slack's hover names fx-bridge as who added
 * it). Needs the `reactions:write` scope; without it nothing is marked and a warning is logged.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import type { RelayRecord } from '../../relay/types.js';
import { slackErrorCode } from '../errors.js';

/** The emoji name of the mark: ✅. */
export const ROUTED_MARK = 'white_check_mark';

type MarkLog = Pick<Logger, 'warn'>;

/** Marks the routed relay's message as relayed. Never throws: the relay itself is done. */
export async function markRelayed(
  client: webApi.WebClient,
  record: RelayRecord,
  log: MarkLog,
): Promise<void> {
  const message = record.slack;
  if (!message || !record.intake?.route) return;
  await client.reactions
    .add({ channel: message.channelId, timestamp: message.ts, name: ROUTED_MARK })
    .catch((error: unknown) => {
      if (slackErrorCode(error) === 'already_reacted') return;
      log.warn({ err: error, relayId: record.id }, 'routed relay could not be marked on its Slack message');
    });
}

/** Takes the mark off a routed relay that was revoked. Never throws. */
export async function unmarkRelayed(
  client: webApi.WebClient,
  record: RelayRecord,
  log: MarkLog,
): Promise<void> {
  const message = record.slack;
  if (!message || !record.intake?.route) return;
  await client.reactions
    .remove({ channel: message.channelId, timestamp: message.ts, name: ROUTED_MARK })
    .catch((error: unknown) => {
      if (slackErrorCode(error) === 'no_reaction') return;
      log.warn(
        { err: error, relayId: record.id },
        'the mark of a revoked routed relay could not be taken off',
      );
    });
}
