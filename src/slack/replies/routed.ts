/**
 * What the author (or whoever reacted) hears privately about a routed relay: only what went wrong.
 * A routed channel stays quiet when it works (slack/jobs/send-job.ts marks the message instead).
 */
import type { RelayRecord } from '../../relay/types.js';
import { preview } from '../text/mrkdwn.js';
import { sendFailedText } from './results.js';

/** A message of a routed channel that was not taken (too long, empty): nothing was sent. */
export function routedNotRelayedText(channelId: string, problem: string): string {
  return `:warning: Your message in <#${channelId}> was not relayed to Fxiaoke: ${problem}`;
}

/** A routed relay that did not reach everyone: which message, and Fxiaoke's errorCode and traceId. */
export function routedFailureText(record: RelayRecord): string {
  const reacted = record.intake?.route?.forward === 'reaction';
  const which = reacted
    ? `The message you reacted to in <#${record.originChannelId}> (routed to Fxiaoke):`
    : `Your message in <#${record.originChannelId}> (routed to Fxiaoke):`;
  return `${which}\n${preview(record.text)}\n${sendFailedText(record)}`;
}
