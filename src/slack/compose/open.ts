/**
 * Opening the compose modal inside the 3-second trigger window. Everything it shows that needs a
 * lookup (display names for mentions, earlier relays of the message, labels of the channel's
 * default recipients) is prepared with a short budget: when it is ready in time the finished modal
 * opens at once; otherwise a "Preparing…" modal opens first and is replaced when ready. Every
 * lookup falls back (the user id, no labels) rather than fail the modal.
 */
import type { types, webApi } from '@slack/bolt';
import { DepartmentIndex, isDepartmentItem, parseDepartmentRef } from '../../relay/departments.js';
import { type NumberedRelay, nextSendNumber } from '../../relay/message-relays.js';
import type { SlackMessageRef } from '../../relay/types.js';
import { fitFiles, messageFiles } from '../api/files.js';
import type { ListenerContext } from '../context.js';
import { within } from '../jobs/within.js';
import { manualUpdateBlocks } from '../sync/manual-update.js';
import { mentionedUserIds, messageToPlainText, type SlackMessageLike } from '../text/message-text.js';
import { type ComposeMetadata, composeModal, loadingModal } from './modal.js';
import { aliasOption, departmentOption, idOption, personOption } from './recipient-options.js';

/** What may pass before views.open without risking Slack's 3-second trigger window. */
export const FAST_OPEN_MS = 400;
/** How long the "Preparing…" modal waits for lookups before showing what it has. */
const SLOW_LOOKUP_MS = 4_000;
/** Of the 3000 characters of `private_metadata`, what the files may take (ids and ts take the rest). */
const FILES_METADATA_BUDGET = 2_600;

export interface ComposeSource {
  teamId: string;
  channelId: string;
  /** Slack's name for the channel; absent (or Slack's `directmessage`) in a direct message. */
  channelName?: string;
  /** The message being relayed (message shortcut); absent for a bare /fx-send. */
  message?: SlackMessageLike & { ts: string; thread_ts?: string; files?: unknown; edited?: unknown };
  /** Who opened the window: an update of their earlier relay is offered only to them (sync/manual-update.ts). */
  userId?: string;
}

export async function openComposeModal(
  ctx: ListenerContext,
  client: webApi.WebClient,
  triggerId: string,
  source: ComposeSource,
): Promise<void> {
  // The recipients typeahead will need the address book: start loading it now.
  ctx.relay.people?.warm?.();
  const building = composeView(ctx, source);
  const ready = await within(building, FAST_OPEN_MS);
  if (ready) {
    await client.views.open({ trigger_id: triggerId, view: ready });
    return;
  }
  const opened = await client.views.open({ trigger_id: triggerId, view: loadingModal() });
  const view = await building;
  const viewId = opened.view?.id;
  if (!viewId) return;
  try {
    await client.views.update({
      view_id: viewId,
      ...(opened.view?.hash ? { hash: opened.view.hash } : {}),
      view,
    });
  } catch (error) {
    // Closed meanwhile (not_found) or changed (hash_conflict): nothing left to show it in.
    ctx.logger.info({ err: error }, 'compose modal could not be updated after preparing it');
  }
}

/** The finished modal. Never rejects: each lookup has a budget and a fallback. */
export async function composeView(ctx: ListenerContext, source: ComposeSource): Promise<types.ModalView> {
  const message = source.message;
  const ref: SlackMessageRef | undefined = message
    ? { teamId: source.teamId, channelId: source.channelId, ts: message.ts }
    : undefined;
  const [earlier, names, recipients] = await Promise.all([
    ref ? earlierRelays(ctx, ref) : Promise.resolve([]),
    message ? displayNames(ctx, mentionedUserIds(message)) : Promise.resolve(new Map<string, string>()),
    defaultRecipients(ctx, source.channelId),
  ]);
  const metadata: ComposeMetadata = { teamId: source.teamId, channelId: source.channelId };
  if (source.channelName && source.channelName !== 'directmessage') metadata.channelName = source.channelName;
  if (message) {
    metadata.messageTs = message.ts;
    // A thread's parent carries its own ts as thread_ts; only a reply has a different one.
    if (message.thread_ts && message.thread_ts !== message.ts) metadata.threadTs = message.thread_ts;
    if (earlier.length > 0) metadata.sendNumber = nextSendNumber(earlier);
  }
  const files = message ? fitFiles(messageFiles(message), FILES_METADATA_BUDGET) : [];
  if (files.length > 0) metadata.files = files;
  let text = message ? messageToPlainText(message, { user: (id) => names.get(id) }) : undefined;
  // A message of files alone still needs a text to go with them: their names.
  if (!text?.trim() && files.length > 0) text = files.map((file) => file.name).join('\n');
  const update = await manualUpdateBlocks(ctx, message, source.userId, earlier, text);
  return composeModal(
    metadata,
    { text, recipients, earlier: earlier.map((relay) => relay.record), update },
    ctx.relay.settings.maxMessageLength,
  );
}

async function earlierRelays(ctx: ListenerContext, ref: SlackMessageRef): Promise<NumberedRelay[]> {
  const found = await within(ctx.relay.relaysOfMessage(ref), SLOW_LOOKUP_MS);
  if (found === undefined) {
    // Without knowing, the submission still cannot send twice: the message keys the first relay.
    ctx.logger.warn({ ref }, 'earlier relays of the message could not be looked up in time');
  }
  return found ?? [];
}

async function displayNames(ctx: ListenerContext, userIds: string[]): Promise<Map<string, string>> {
  const profiles = ctx.profiles;
  const names = new Map<string, string>();
  if (!profiles) return names;
  await Promise.all(
    userIds.map(async (id) => {
      const name = profiles.cachedName(id) ?? (await within(profiles.nameOf(id), SLOW_LOOKUP_MS));
      if (name) names.set(id, name);
    }),
  );
  return names;
}

/** The channel's default recipients from the config file, labelled from the address book when it can. */
async function defaultRecipients(ctx: ListenerContext, channelId: string): Promise<types.PlainTextOption[]> {
  const { settings, people } = ctx.relay;
  const defaults = settings.channelDefaults?.[channelId] ?? [];
  if (defaults.length === 0) return [];
  const aliases = new Map(
    Object.entries(settings.aliases).map(([name, members]) => [name.toLowerCase(), { name, members }]),
  );
  const ids = defaults.filter((item) => !aliases.has(item.toLowerCase()) && !isDepartmentItem(item));
  const hasDepartments = defaults.some(isDepartmentItem);
  const [known, departments] = await Promise.all([
    people && ids.length > 0 ? within(people.findByIds(ids), SLOW_LOOKUP_MS) : undefined,
    hasDepartments && ctx.relay.departments
      ? within(ctx.relay.departments.list(), SLOW_LOOKUP_MS).catch(() => undefined)
      : undefined,
  ]);
  const tree = departments ? new DepartmentIndex(departments) : undefined;
  return defaults.flatMap((item) => {
    const alias = aliases.get(item.toLowerCase());
    if (alias) return [aliasOption(alias.name, alias.members)];
    if (isDepartmentItem(item)) return [namedDepartmentOption(item, tree)];
    const person = known?.get(item);
    // Someone who left since the config was written is not prefilled.
    if (person?.isStop) return [];
    return [person ? { ...personOption(person), value: item } : idOption(item)];
  });
}

/** A default `dept:…` item: labelled with the department's name and path when the list is at hand. */
function namedDepartmentOption(item: string, tree: DepartmentIndex | undefined): types.PlainTextOption {
  const ref = parseDepartmentRef(item);
  const found =
    ref && tree
      ? 'id' in ref
        ? [tree.byId.get(ref.id)].filter((d) => d !== undefined)
        : tree.named(ref.name)
      : [];
  const [department] = found;
  if (found.length !== 1 || !department || !tree) return idOption(item);
  return { ...departmentOption({ department, path: tree.path(department) }), value: item };
}
