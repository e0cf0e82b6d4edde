/**
 * Reading and checking a compose modal submission. Problems the user can fix come back inline
 * (`response_action: errors`, keyed by block id); Slack shows at most a short text per block.
 */
import type { ViewStateValue } from '@slack/bolt';
import { cardTextProblem } from '../../relay/card.js';
import type { CheckedProblem, RecipientCheck } from '../../relay/check.js';
import type { RelaySettings } from '../../relay/deps.js';
import { MAX_SENDS_PER_MESSAGE } from '../../relay/message-relays.js';
import type { RelayFormat } from '../../relay/types.js';
import {
  type ComposeMetadata,
  FORMAT_BLOCK,
  FORMAT_CARD,
  MESSAGE_BLOCK,
  parseComposeMetadata,
  RECIPIENTS_BLOCK,
  RESEND_BLOCK,
  RESEND_VALUE,
  SLACK_USERS_BLOCK,
  splitRecipientField,
} from './modal.js';

type StateValues = Record<string, Record<string, ViewStateValue | undefined> | undefined>;

export interface ComposeForm {
  metadata: ComposeMetadata | undefined;
  /** Selected typeahead options: openUserIds, alias names or ids as typed. */
  recipients: string[];
  /** Slack users picked in the modal. */
  slackUsers: string[];
  text: string;
  resend: boolean;
  /** "Send as a card" picked, else text. */
  format: RelayFormat;
}

/** Slack cuts an inline error at about 2000 characters; ours stay well below. */
const MAX_ERROR = 1500;

export function readComposeForm(view: {
  private_metadata?: string;
  state: { values: StateValues };
}): ComposeForm {
  const value = (block: string) => view.state.values[block]?.[block];
  const recipients = value(RECIPIENTS_BLOCK);
  return {
    metadata: parseComposeMetadata(view.private_metadata),
    recipients: recipients?.selected_options
      ? recipients.selected_options.map((option) => option.value)
      : splitRecipientField(recipients?.value),
    slackUsers: value(SLACK_USERS_BLOCK)?.selected_users ?? [],
    text: (value(MESSAGE_BLOCK)?.value ?? '').trim(),
    resend: (value(RESEND_BLOCK)?.selected_options ?? []).some((option) => option.value === RESEND_VALUE),
    format: value(FORMAT_BLOCK)?.selected_option?.value === FORMAT_CARD ? 'card' : 'text',
  };
}

/** What the resolver reads: typeahead values, then Slack users as mentions. */
export function recipientInputs(form: ComposeForm): string[] {
  return [...form.recipients, ...form.slackUsers.map((id) => `<@${id}>`)];
}

/** Everything that needs no lookup. */
export function formErrors(form: ComposeForm, settings: RelaySettings): Record<string, string> {
  const errors: Record<string, string> = {};
  if (form.recipients.length === 0 && form.slackUsers.length === 0) {
    errors[RECIPIENTS_BLOCK] = 'Add at least one recipient.';
  }
  if (form.text === '') errors[MESSAGE_BLOCK] = 'The message is empty.';
  else if (form.text.length > settings.maxMessageLength) {
    errors[MESSAGE_BLOCK] =
      `The message is ${form.text.length} characters long; the limit is ${settings.maxMessageLength}.`;
  } else if (form.format === 'card') {
    const tooLong = cardTextProblem(form.text);
    if (tooLong) errors[MESSAGE_BLOCK] = tooLong;
  }
  const sendNumber = form.metadata?.sendNumber;
  if (sendNumber !== undefined && !form.resend) {
    errors[RESEND_BLOCK] =
      'This message was already sent to Fxiaoke (see above). Tick the box to send it again.';
  } else if (sendNumber !== undefined && sendNumber > MAX_SENDS_PER_MESSAGE) {
    errors[RESEND_BLOCK] = `This message was sent ${sendNumber - 1} times already; use /fx-send for more.`;
  }
  if (!form.metadata) {
    errors[MESSAGE_BLOCK] = 'This window lost track of where it came from. Close it and start again.';
  }
  return errors;
}

/**
 * Recipient problems found by the lookup, on the block where the user can fix them: Slack people
 * under "Slack people", everything else under the recipients. Unreachable people are errors too:
 * removing them is how the sender agrees to send to the others.
 */
export function checkErrors(check: RecipientCheck, form: ComposeForm): Record<string, string> {
  const problems = check.ok ? check.unreachable : check.problems;
  if (problems.length === 0) return {};
  const people = problems.filter((problem) => problem.slackUserId !== undefined);
  const others = problems.filter((problem) => problem.slackUserId === undefined);
  const advice = check.ok ? ' Remove them to send to the others.' : '';
  const errors: Record<string, string> = {};
  if (people.length > 0 && form.slackUsers.length > 0) errors[SLACK_USERS_BLOCK] = describe(people, advice);
  else others.push(...people);
  if (others.length > 0) errors[RECIPIENTS_BLOCK] = describe(others, advice);
  return errors;
}

function describe(problems: readonly CheckedProblem[], advice: string): string {
  const text = `${problems.map((problem) => `${problem.input}: ${problem.reason}`).join('; ')}.${advice}`;
  return text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR - 1)}…` : text;
}
