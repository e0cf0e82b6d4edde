/**
 * The asynchronous half of recipient resolution: chat mentions mapped through the address book
 * and the front door's profiles, and departed employees spotted before Fxiaoke refuses a whole
 * batch for them. The pure half (ids, aliases, limits) stays in recipients.ts.
 */

import { isDepartmentItem, lookUpDepartments } from './departments.js';
import type { RelayDeps } from './deps.js';
import { type ChatProfiles, departedAmong, mapChatUser } from './people.js';
import { type RecipientProblem, resolveRecipients, SLACK_MENTION } from './recipients.js';
import type { RelayDepartment } from './types.js';

/** A problem with the chat user it is about, when it is about one (front doors show it by them). */
export interface CheckedProblem extends RecipientProblem {
  slackUserId?: string;
}

export type RecipientCheck =
  /**
   * `unreachable` people were left out of `recipients`; sending needs the sender's consent.
   * `departments`: each department named and how many it stood for (absent when none was).
   */
  | { ok: true; recipients: string[]; unreachable: CheckedProblem[]; departments?: RelayDepartment[] }
  | { ok: false; problems: CheckedProblem[] };

export async function checkRecipients(
  deps: Pick<RelayDeps, 'settings' | 'people' | 'departments' | 'log'>,
  inputs: readonly string[],
  profiles: ChatProfiles | undefined,
): Promise<RecipientCheck> {
  const { settings, people } = deps;
  const mapped: Record<string, string> = {};
  const unreachable: CheckedProblem[] = [];
  const unreachableInputs = new Set<string>();

  // Without an address book (or a front door that knows profiles) mentions resolve through the
  // config file only, and an unmapped one is a plain error, as before.
  if (people && profiles) {
    const pending = new Map<string, { label: string | undefined; inputs: string[] }>();
    for (const input of inputs) {
      const match = SLACK_MENTION.exec(input);
      const userId = match?.[1];
      if (!userId || settings.slackUsers[userId]) continue;
      const entry = pending.get(userId) ?? { label: match?.[2], inputs: [] };
      entry.inputs.push(input);
      pending.set(userId, entry);
    }
    const results = await Promise.all(
      [...pending].map(async ([userId, entry]) => ({
        userId,
        entry,
        mapping: await mapChatUser(userId, entry.label, people, profiles),
      })),
    );
    for (const { userId, entry, mapping } of results) {
      if (mapping.ok) {
        mapped[userId] = mapping.fxiaokeId;
      } else {
        unreachable.push({ input: mapping.who, reason: mapping.reason, slackUserId: userId });
        for (const input of entry.inputs) unreachableInputs.add(input);
      }
    }
  }

  const reachableInputs = inputs.filter((input) => !unreachableInputs.has(input));
  if (reachableInputs.length === 0 && unreachable.length > 0) return { ok: false, problems: unreachable };
  const departments = await lookUpDepartments(
    deps.departments,
    departmentItems(reachableInputs, settings.aliases),
  );
  const resolution = resolveRecipients(
    reachableInputs,
    { aliases: settings.aliases, slackUsers: { ...settings.slackUsers, ...mapped } },
    settings.maxRecipients,
    departments,
  );
  // Everything wrong is reported at once, so the sender fixes it in one go.
  if (!resolution.ok) return { ok: false, problems: [...resolution.problems, ...unreachable] };

  let recipients = resolution.recipients;
  if (people) {
    try {
      const departed = departedAmong(recipients, await people.findByIds(recipients));
      const gone = new Set(departed.map((entry) => entry.id));
      recipients = recipients.filter((id) => !gone.has(id));
      unreachable.push(...departed.map(({ who, reason }) => ({ input: who, reason })));
    } catch (error) {
      // The check only spares the sender a refused batch; Fxiaoke still names departed people.
      deps.log.warn({ err: error }, 'address book unavailable; departed recipients not checked');
    }
  }
  if (recipients.length === 0) return { ok: false, problems: unreachable };
  const named = resolution.departments;
  return { ok: true, recipients, unreachable, ...(named ? { departments: named } : {}) };
}

/** The department items named directly or through an alias. */
function departmentItems(inputs: readonly string[], aliases: Record<string, string[]>): string[] {
  const byName = new Map(Object.entries(aliases).map(([name, members]) => [name.toLowerCase(), members]));
  return inputs.flatMap((input) =>
    isDepartmentItem(input) ? [input] : (byName.get(input.toLowerCase()) ?? []).filter(isDepartmentItem),
  );
}
