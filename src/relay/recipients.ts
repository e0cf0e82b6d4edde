/**
 * Turns what the user typed into Fxiaoke ids: openUserIds, employee ids, mentions, aliases and
 * departments (`dept:…`, looked up beforehand: relay/departments.ts). Pure.
 */
import { type DepartmentLookup, departmentKey, departmentLabel, isDepartmentItem } from './departments.js';
import type { RelayDepartment } from './types.js';

export interface RecipientDirectory {
  /** Alias name → Fxiaoke ids or departments; names are matched case-insensitively. */
  aliases: Record<string, string[]>;
  /** Slack user id → Fxiaoke id. */
  slackUsers: Record<string, string>;
}

export interface RecipientProblem {
  input: string;
  reason: string;
}

export type RecipientResolution =
  /** `departments`: each department named, with its count (absent when none was). */
  | { ok: true; recipients: string[]; departments?: RelayDepartment[] }
  | { ok: false; problems: RecipientProblem[] };

const OPEN_USER_ID = /^FSUID_[0-9A-Za-z]+$/;
const EMPLOYEE_ID = /^\d{1,18}$/;
/** `<@U…>` or `<@U…|label>`: group 1 the user id, group 2 the label. */
export const SLACK_MENTION = /^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$/;

export function resolveRecipients(
  inputs: readonly string[],
  directory: RecipientDirectory,
  maxRecipients: number,
  departments: ReadonlyMap<string, DepartmentLookup> = new Map(),
): RecipientResolution {
  const aliases = new Map(Object.entries(directory.aliases).map(([name, ids]) => [name.toLowerCase(), ids]));
  const resolved = new Set<string>();
  const problems: RecipientProblem[] = [];
  const reached = new Map<number, RelayDepartment>();
  /** The department whose members took the list past the limit, if one did. */
  let overflowedBy: RelayDepartment | undefined;

  const addDepartment = (input: string, shownAs: string) => {
    const lookup = departments.get(departmentKey(input));
    if (!lookup) {
      problems.push({ input: shownAs, reason: 'this department was not looked up (try again)' });
      return;
    }
    if (!lookup.ok) {
      problems.push(shownAs === input ? lookup.problem : { ...lookup.problem, input: shownAs });
      return;
    }
    const wasWithin = resolved.size <= maxRecipients;
    for (const member of lookup.members) resolved.add(member);
    if (wasWithin && resolved.size > maxRecipients) overflowedBy ??= lookup.department;
    reached.set(lookup.department.id, lookup.department);
  };

  for (const input of inputs) {
    if (OPEN_USER_ID.test(input) || EMPLOYEE_ID.test(input)) {
      resolved.add(input);
      continue;
    }
    if (isDepartmentItem(input)) {
      addDepartment(input, input);
      continue;
    }
    const mention = SLACK_MENTION.exec(input);
    if (mention) {
      const [, slackUserId, label] = mention;
      const mapped = slackUserId ? directory.slackUsers[slackUserId] : undefined;
      if (mapped) resolved.add(mapped);
      else
        problems.push({
          input: label ? `@${label}` : `<@${slackUserId}>`,
          reason:
            'this Slack user is not mapped to a Fxiaoke employee (add them under slackUsers in the config file)',
        });
      continue;
    }
    const members = aliases.get(input.toLowerCase());
    if (members) {
      for (const member of members) {
        if (isDepartmentItem(member)) addDepartment(member, `${member} (in alias ${input})`);
        else resolved.add(member);
      }
      continue;
    }
    problems.push({
      input,
      reason:
        'not an FSUID_… openUserId, a numeric employee id, a mapped @mention, a known alias or a dept:<id or name>',
    });
  }

  if (problems.length > 0) return { ok: false, problems };
  if (resolved.size === 0) {
    const empty =
      reached.size > 0 ? 'the departments named have no active members' : 'no recipients were given';
    return { ok: false, problems: [{ input: '', reason: empty }] };
  }
  if (resolved.size > maxRecipients) {
    const named = [...reached.values()];
    const base = `that is ${resolved.size} recipients; one relay may have at most ${maxRecipients}`;
    const reason = overflowedBy
      ? `${base}: ${departmentLabel(overflowedBy)} made it too long (it has ${overflowedBy.people} people). Name a smaller department, or send in parts`
      : named.length > 0
        ? `${base} (departments: ${named.map((d) => `${departmentLabel(d)}: ${d.people}`).join(', ')})`
        : base;
    return { ok: false, problems: [{ input: quoted(inputs), reason }] };
  }
  return {
    ok: true,
    recipients: [...resolved],
    ...(reached.size > 0 ? { departments: [...reached.values()] } : {}),
  };
}

/** The recipients as typed, short enough to quote back: a list of thousands is not repeated. */
function quoted(inputs: readonly string[]): string {
  const joined = inputs.join(',');
  if (joined.length <= 80) return joined;
  return `${inputs.slice(0, 2).join(',')},… (${inputs.length} entries)`;
}
