/**
 * What the sender reads about edits and deletes of a relayed message: the questions (with the
 * contract's buttons `fx_update`, `fx_update_skip`, `fx_revoke`, `fx_keep`) and the answers.
 * Pure rendering.
 */
import type { types } from '@slack/bolt';
import { hasRevocableCopy, revokeUncertainCopies } from '../../relay/copies.js';
import type { Unavailable } from '../../relay/facade.js';
import { shownStatus } from '../../relay/lifecycle.js';
import type { DismissOutcome } from '../../relay/sync.js';
import type { RelayError, RelayRecord, SyncOffer } from '../../relay/types.js';
import { currentVersion, currentVersionSentAt, type UpdateOutcome } from '../../relay/update.js';
import { notTakenText } from '../jobs/answer.js';
import { REVOKE_ACTION_ID } from '../receipt/view.js';
import { outcomeLabel, slackDate, statusLabel, traceText } from '../replies/summary.js';
import { escapeMrkdwn } from '../text/mrkdwn.js';

export const UPDATE_ACTION_ID = 'fx_update';
export const UPDATE_SKIP_ACTION_ID = 'fx_update_skip';
export const KEEP_ACTION_ID = 'fx_keep';

/** A button's value: the relay, the question it answers, and whether a second copy was agreed to. */
export interface OfferButtonValue {
  relayId: string;
  offerId: string;
  secondCopy: boolean;
}

export function offerButtonValue(value: OfferButtonValue): string {
  return [value.relayId, value.offerId, ...(value.secondCopy ? ['second'] : [])].join('|');
}

export function parseOfferButtonValue(raw: string | undefined): OfferButtonValue | undefined {
  const [relayId, offerId, flag] = (raw ?? '').split('|');
  if (!relayId || !offerId) return undefined;
  return { relayId, offerId, secondCopy: flag === 'second' };
}

function quote(text: string, max = 600): string {
  const clipped = [...text].length > max ? `${[...text].slice(0, max - 1).join('')}…` : text;
  return clipped
    .split('\n')
    .map((line) => `>${escapeMrkdwn(line)}`)
    .join('\n');
}

/** "relay `rl_…`, sent to 3 people on <date>" */
export function sentToLine(record: RelayRecord): string {
  const count = record.recipients.length;
  return `relay \`${record.id}\`, sent to ${count} ${count === 1 ? 'person' : 'people'} on ${slackDate(currentVersionSentAt(record))}`;
}

const SECOND_COPY_NOTE: Record<string, string> = {
  no_service_account:
    'fx-bridge cannot take back the old copy (it sends without a Fxiaoke service account, so nothing it sends can be revoked)',
  not_revocable:
    'fx-bridge cannot take back every old copy (Fxiaoke returned no message id for some, or never confirmed their delivery)',
  revoke_refused: 'Fxiaoke refused to take back the old copy',
  revoke_uncertain:
    "Fxiaoke's answer to the revoke of the old copy was lost, so a revoke may or may not have taken effect: the old copy may already be gone from Fxiaoke, or may still be there",
};

/** After the note of a question whose old copy may stay: what sending the new text does then. */
const SECOND_COPY_CONSEQUENCE: Record<string, string> = {
  revoke_uncertain:
    'Sending the new text tries the revoke again first; if that still settles nothing, the new text goes out anyway and recipients may have both.',
};
const SECOND_COPY_DEFAULT_CONSEQUENCE =
  'Sending the new text makes a second copy; the old one stays in Fxiaoke.';

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): types.Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

/** The question after an edit: old and new text, Update in Fxiaoke / Leave it. */
export function editQuestion(
  record: RelayRecord,
  offer: SyncOffer,
  secondCopyReason?: string,
): { text: string; blocks: types.KnownBlock[] } {
  const value = { relayId: record.id, offerId: offer.id };
  const times = offer.edits && offer.edits > 1 ? ` ${offer.edits} times (*Now* is your latest text)` : '';
  const head = `:pencil2: You edited a Slack message that was sent to Fxiaoke${times} (${sentToLine(record)}). The copy in Fxiaoke still has the old text.`;
  const texts = `*Before:*\n${quote(offer.previousText ?? record.text)}\n*Now:*\n${quote(offer.text ?? '')}`;
  const note = secondCopyReason
    ? `:warning: ${SECOND_COPY_NOTE[secondCopyReason] ?? 'the old copy cannot be taken back'}. ${SECOND_COPY_CONSEQUENCE[secondCopyReason] ?? SECOND_COPY_DEFAULT_CONSEQUENCE}`
    : 'Update takes back the old copy and sends the new text to the same people, marked (edited).';
  const update = secondCopyReason
    ? button(
        secondCopyReason === 'revoke_uncertain'
          ? 'Send the new text anyway'
          : 'Send the new text as a second copy',
        UPDATE_ACTION_ID,
        offerButtonValue({ ...value, secondCopy: true }),
      )
    : button(
        'Update in Fxiaoke',
        UPDATE_ACTION_ID,
        offerButtonValue({ ...value, secondCopy: false }),
        'primary',
      );
  return {
    text: `${head} Update it?`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: head } },
      { type: 'section', text: { type: 'mrkdwn', text: texts } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${note} ${traceText(record)}` }] },
      {
        type: 'actions',
        block_id: 'fx_sync_edit',
        elements: [
          update,
          button('Leave it', UPDATE_SKIP_ACTION_ID, offerButtonValue({ ...value, secondCopy: false })),
        ],
      },
    ],
  };
}

/** The question after a delete: Revoke from Fxiaoke / Keep. */
export function deleteQuestion(
  record: RelayRecord,
  offer: SyncOffer,
): { text: string; blocks: types.KnownBlock[] } {
  if (!hasRevocableCopy(record)) return deletedNotice(record);
  const head = `:wastebasket: A Slack message you sent to Fxiaoke was deleted (${sentToLine(record)}). Its copy is still in Fxiaoke.`;
  return {
    text: `${head} Revoke it?`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${head}\n${quote(record.text)}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: traceText(record) }] },
      {
        type: 'actions',
        block_id: 'fx_sync_delete',
        elements: [
          button('Revoke from Fxiaoke', REVOKE_ACTION_ID, record.id, 'danger'),
          button(
            'Keep',
            KEEP_ACTION_ID,
            offerButtonValue({ relayId: record.id, offerId: offer.id, secondCopy: false }),
          ),
        ],
      },
    ],
  };
}

/** A delete of a relay fx-bridge cannot take back: said once, with no buttons. */
function deletedNotice(record: RelayRecord): { text: string; blocks: types.KnownBlock[] } {
  const why = record.serviceId
    ? 'fx-bridge holds no Fxiaoke message id for it (Fxiaoke answered none, or its answer was lost), and a revoke needs one'
    : 'it was sent without a service account (`FXIAOKE_SERVICE_ID`), and only those messages can be revoked';
  const text = `:wastebasket: A Slack message you sent to Fxiaoke was deleted (${sentToLine(record)}). Its copy stays in Fxiaoke: fx-bridge cannot take it back, because ${why}. If it must go, ask its recipients to disregard it.`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${text}\n${quote(record.text)}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: traceText(record) }] },
    ],
  };
}

function errorPart(error: RelayError | undefined): string {
  if (!error) return '';
  const code = error.code !== undefined ? ` (code ${error.code})` : '';
  const trace = error.traceId ? `, traceId \`${error.traceId}\`` : '';
  return ` ${escapeMrkdwn(error.message)}${code}${trace}`;
}

/**
 * The answer to an update, in plain words, with traceIds. `blocks` carry a second-copy question.
 * `edits`: how many edits in Slack the update stands for (a burst sent as one update).
 */
export function updateOutcomeReply(
  outcome: UpdateOutcome,
  edits?: number,
): { text: string; blocks?: types.KnownBlock[] } {
  switch (outcome.type) {
    case 'not_found':
      return { text: ':information_source: fx-bridge has no relay for this; nothing was changed.' };
    case 'forbidden':
      return {
        text: `:no_entry: Only <@${outcome.record.senderId}> (who sent it) or an fx-bridge admin can update relay \`${outcome.record.id}\`. Nothing was changed.`,
      };
    case 'stale':
      return {
        text: `:information_source: This question about relay \`${outcome.record.id}\` was already answered, or a newer edit replaced it. Nothing was changed.`,
      };
    case 'in_progress':
      return {
        text: `:hourglass_flowing_sand: Relay \`${outcome.record.id}\` is being sent, revoked or updated right now; nothing more was started.`,
      };
    case 'not_updatable':
      return {
        text: `:information_source: Relay \`${outcome.record.id}\` has no copy in Fxiaoke to update (${statusLabel(outcome.record)}). Nothing was sent.`,
      };
    case 'unchanged':
      return {
        text: `:information_source: The copy in Fxiaoke already has this text (relay \`${outcome.record.id}\`). Nothing was sent.`,
      };
    case 'needs_second_copy': {
      const { record } = outcome;
      const offer: SyncOffer = record.sync?.offer ?? {
        id: outcome.offerId,
        kind: 'edit',
        offeredAt: 0,
      };
      const question = editQuestion(record, offer, outcome.reason);
      // A lost revoke answer: the note says it all; the error's own advice ("Revoke again") is not this door's.
      const uncertain = outcome.reason === 'revoke_uncertain';
      const why = `${SECOND_COPY_NOTE[outcome.reason] ?? 'The old copy cannot be taken back'}.${uncertain ? errorRef(outcome.error) : errorPart(outcome.error)}`;
      const stays = uncertain ? '' : ' The old copy stays in Fxiaoke.';
      const ask = uncertain ? 'Send the new text anyway?' : 'Send the new text as a second copy?';
      return {
        text: `:warning: Nothing new was sent: ${why}${stays} ${ask}`,
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `:warning: *Nothing new was sent:* ${why}${stays}`,
            },
          },
          ...question.blocks.slice(1),
        ],
      };
    }
    case 'updated':
      return { text: updatedText(outcome.record, outcome.keptOld, edits) };
  }
}

/**
 * The answer to an update carried out: the headline says what became of the new text (sent, partly,
 * unconfirmed, not delivered: never "Updated" for a text Fxiaoke did not take), then what became of
 * the old copy (taken back, kept, or unsettled because a revoke's answer was lost).
 */
function updatedText(record: RelayRecord, keptOld: number, edits: number | undefined): string {
  const count = record.recipients.length;
  const people = `${count} ${count === 1 ? 'person' : 'people'}`;
  const version = currentVersion(record);
  const status = shownStatus(record);
  const head =
    status === 'sent'
      ? `:white_check_mark: Updated in Fxiaoke: the new text (version ${version}) was sent to ${people}, marked (edited).`
      : status === 'partial'
        ? `:warning: Partly updated in Fxiaoke: the new text (version ${version}), marked (edited), reached only some of the ${people}.`
        : status === 'unknown'
          ? `:grey_question: Not confirmed: the new text (version ${version}) *may or may not* have reached the ${people}; Fxiaoke never confirmed it.`
          : `:x: Not updated: the new text (version ${version}) was not delivered to the ${people}.`;
  const delivered = status === 'sent' || status === 'partial';
  const uncertain = revokeUncertainCopies(record.versions?.at(-1)?.batches ?? []);
  const kept = Math.max(0, keptOld - uncertain);
  const old = [
    kept > 0
      ? ` The old copy stays in Fxiaoke (${kept} message${kept === 1 ? '' : 's'} could not be taken back)${delivered ? ', so recipients have both' : ''}.`
      : '',
    uncertain > 0
      ? ` Fxiaoke's answer to the revoke of ${kept > 0 ? 'other messages of ' : ''}the old copy was lost: ${uncertain === 1 ? 'it' : `those ${uncertain} messages`} may already be gone from Fxiaoke, or may still be there.`
      : '',
    kept === 0 && uncertain === 0
      ? status === 'failed'
        ? ' The old copy was taken back, so recipients have neither text now.'
        : ' The old copy was taken back.'
      : '',
  ].join('');
  const detail =
    status === 'sent' ? '' : ` Status of the new text: ${outcomeLabel(record)}.${errorPart(record.error)}`;
  const burst =
    edits && edits > 1
      ? ` It is your latest text: your ${edits} edits in Slack ${delivered ? 'went out as' : 'made'} this one update.`
      : '';
  return `${head}${burst}${old}${detail} ${traceText(record)} · relay \`${record.id}\``;
}

/** Only the code and traceId of an error, where its message would repeat (or contradict) the answer. */
function errorRef(error: RelayError | undefined): string {
  if (!error || (error.code === undefined && !error.traceId)) return '';
  const parts = [
    ...(error.code !== undefined ? [`code ${error.code}`] : []),
    ...(error.traceId ? [`traceId \`${error.traceId}\``] : []),
  ];
  return ` (${parts.join(', ')})`;
}

/** The App Home's line about a relay's versions; undefined for a relay never updated or deleted. */
export function versionsText(record: RelayRecord): string | undefined {
  const versions = record.versions ?? [];
  const deleted =
    record.sync?.deletedAt !== undefined ? ` · deleted in Slack ${slackDate(record.sync.deletedAt)}` : '';
  if (versions.length === 0) return deleted ? deleted.slice(3) : undefined;
  const earlier = versions.map((version) => {
    const out = version.batches.flatMap((batch) => [batch, ...(batch.extraMessages ?? [])]);
    const taken = out.every((message) => message.status === 'revoked' || message.status === 'failed');
    const traces = version.batches
      .map((batch) => batch.traceId)
      .filter(Boolean)
      .map((id) => `\`${id}\``);
    return `v${version.number} ${slackDate(version.sentAt)} ${taken ? 'taken back' : 'still in Fxiaoke'}${traces.length > 0 ? ` (traceId ${traces.join(', ')})` : ''}`;
  });
  return `:pencil2: Updated: version ${currentVersion(record)} since ${slackDate(currentVersionSentAt(record))} · earlier: ${earlier.join('; ')}${deleted}`;
}

/** A button whose value fx-bridge cannot read (from an older version, or tampered with). */
export const BROKEN_BUTTON_TEXT =
  ':warning: This button carries no relay fx-bridge can read (it may come from an older version). Nothing was changed.';

/** An Update click the store could not take in time. */
export const UPDATE_NOT_TAKEN_TEXT = `:warning: ${notTakenText('nothing was updated')}`;

/** The answer to **Leave it** / **Keep**. */
export function dismissOutcomeText(outcome: DismissOutcome | Unavailable | undefined): string {
  if (!outcome) return BROKEN_BUTTON_TEXT;
  switch (outcome.type) {
    case 'unavailable':
      return `:warning: ${notTakenText('the question is still open')}`;
    case 'dismissed':
      return outcome.kind === 'edit'
        ? `:ok_hand: Left as it was: the copy in Fxiaoke keeps the old text (relay \`${outcome.record.id}\`).`
        : `:ok_hand: Kept: the copy in Fxiaoke stays, although the Slack message was deleted (relay \`${outcome.record.id}\`). Revoke from Fxiaoke in the App Home still takes it back.`;
    case 'stale':
      return ':information_source: This question was already answered, or a newer one replaced it. Nothing was changed.';
    case 'forbidden':
      return `:no_entry: Only <@${outcome.record.senderId}> (who sent it) or an fx-bridge admin can answer this.`;
    case 'not_found':
      return ':information_source: fx-bridge has no relay for this; nothing was changed.';
  }
}
