/** Turns what the user typed into Fxiaoke ids: openUserIds, employee ids, mentions, aliases. */

export interface RecipientDirectory {
  /** Alias name → Fxiaoke ids; names are matched case-insensitively. */
  aliases: Record<string, string[]>;
  /** Slack user id → Fxiaoke id. */
  slackUsers: Record<string, string>;
}

export interface RecipientProblem {
  input: string;
  reason: string;
}

export type RecipientResolution =
  | { ok: true; recipients: string[] }
  | { ok: false; problems: RecipientProblem[] };

const OPEN_USER_ID = /^FSUID_[0-9A-Za-z]+$/;
const EMPLOYEE_ID = /^\d{1,18}$/;
/** `<@U…>` or `<@U…|label>`: group 1 the user id, group 2 the label. */
export const SLACK_MENTION = /^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$/;

export function resolveRecipients(
  inputs: readonly string[],
  directory: RecipientDirectory,
  maxRecipients: number,
): RecipientResolution {
  const aliases = new Map(Object.entries(directory.aliases).map(([name, ids]) => [name.toLowerCase(), ids]));
  const resolved = new Set<string>();
  const problems: RecipientProblem[] = [];

  for (const input of inputs) {
    if (OPEN_USER_ID.test(input) || EMPLOYEE_ID.test(input)) {
      resolved.add(input);
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
      for (const member of members) resolved.add(member);
      continue;
    }
    problems.push({
      input,
      reason: 'not an FSUID_… openUserId, a numeric employee id, a mapped @mention or a known alias',
    });
  }

  if (problems.length > 0) return { ok: false, problems };
  if (resolved.size === 0)
    return { ok: false, problems: [{ input: '', reason: 'no recipients were given' }] };
  if (resolved.size > maxRecipients) {
    return {
      ok: false,
      problems: [
        {
          input: quoted(inputs),
          reason: `that is ${resolved.size} recipients; one relay may have at most ${maxRecipients}`,
        },
      ],
    };
  }
  return { ok: true, recipients: [...resolved] };
}

/** The recipients as typed, short enough to quote back: a list of thousands is not repeated. */
function quoted(inputs: readonly string[]): string {
  const joined = inputs.join(',');
  if (joined.length <= 80) return joined;
  return `${inputs.slice(0, 2).join(',')},… (${inputs.length} entries)`;
}
