/**
 * The recipients typeahead of the compose modal (block_suggestion on `recipients`). Slack waits
 * 3 s for options; a cold address book may take longer, so past a budget the answer carries the
 * aliases (and a typed id) alone while the address book keeps loading for the next keystroke.
 */
import type { App, BlockSuggestion, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { RECIPIENTS_BLOCK } from '../../compose/modal.js';
import { aliasSuggestions, MAX_OPTIONS, suggestRecipients } from '../../compose/recipient-options.js';
import type { ListenerContext } from '../../context.js';
import { within } from '../../jobs/within.js';

export const OPTIONS_BUDGET_MS = 1_500;

export function recipientOptions(ctx: ListenerContext) {
  return async ({ ack, body }: Pick<SlackOptionsMiddlewareArgs<'block_suggestion'>, 'ack' | 'body'>) => {
    const query = typeof (body as BlockSuggestion).value === 'string' ? body.value : '';
    const { aliases } = ctx.relay.settings;
    const search = suggestRecipients(query, aliases, ctx.relay.people, ctx.relay.departments);
    search.catch((error: unknown) => ctx.logger.warn({ err: error }, 'recipient search failed'));
    const options = await within(search, OPTIONS_BUDGET_MS);
    if (!options) ctx.logger.info({ query }, 'address book not ready in time; answered with aliases only');
    await ack({ options: options ?? aliasSuggestions(query, aliases).slice(0, MAX_OPTIONS) });
  };
}

export function registerRecipientOptions(app: App, ctx: ListenerContext): void {
  app.options<'block_suggestion'>(
    { type: 'block_suggestion', action_id: RECIPIENTS_BLOCK },
    recipientOptions(ctx),
  );
}
