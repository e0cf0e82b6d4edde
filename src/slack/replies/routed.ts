/**
 * What the author (or whoever reacted) hears privately about a routed relay: only what went wrong.
 * A routed channel stays quiet when it works (slack/jobs/send-job.ts marks the message instead).
 */
import type { SendRefusal } from '../../relay/admission.js';
import type { RecipientProblem } from '../../relay/recipients.js';
import type { RelayRecord } from '../../relay/types.js';
import { preview } from '../text/mrkdwn.js';
import { sendFailedText, sendRefusalText } from './results.js';

/** A message of a routed channel that was not taken (too long, empty): nothing was sent. */
export function routedNotRelayedText(channelId: string, problem: string): string {
  return `:warning: Your message in <#${channelId}> was not relayed to Fxiaoke: ${problem}`;
}

/** A routed relay that did not reach everyone: which message, and Fxiaoke's errorCode and traceId. */
export function routedFailureText(record: RelayRecord): string {
  return `${whichMessage(record)}\n${preview(record.text)}\n${sendFailedText(record)}`;
}

/** Who may not send (or not now): the same words as for /fx-send, about this message. */
export function routedRefusalText(record: RelayRecord, refusal: SendRefusal): string {
  return `${whichMessage(record)}\n${sendRefusalText(refusal)}`;
}

/** The route names recipients fx-bridge cannot use (an unknown department, say): its admins fix it. */
export function routedRecipientsText(record: RelayRecord, problems: readonly RecipientProblem[]): string {
  const listed = problems.slice(0, 10).map((problem) => `• \`${problem.input}\`: ${problem.reason}`);
  if (problems.length > 10) listed.push(`…and ${problems.length - 10} more`);
  return [
    `${whichMessage(record)} nothing was sent: the recipients of this channel's route cannot be used.`,
    ...listed,
    `An fx-bridge admin can fix \`routes.${record.originChannelId}.to\` in the config file.`,
  ].join('\n');
}

/** Not relayed before anything was sent (the message could not be read, is a bot's, or is too long). */
export function routedNotSentText(record: RelayRecord, problem: string): string {
  return `${whichMessage(record)}\n:warning: ${problem}`;
}

function whichMessage(record: RelayRecord): string {
  return record.intake?.route?.forward === 'reaction'
    ? `The message you reacted to in <#${record.originChannelId}> (routed to Fxiaoke):`
    : `Your message in <#${record.originChannelId}> (routed to Fxiaoke):`;
}
