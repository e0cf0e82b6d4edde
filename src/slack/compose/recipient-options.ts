/**
 * Options of the recipients typeahead (a multi_external_select fed by block_suggestion): Fxiaoke
 * employees from the cached address book (never departed ones), Fxiaoke departments (never
 * stopped ones) and the config file's aliases, labelled as such. Values are what the recipient
 * resolver reads: an openUserId, `dept:<id>`, an alias name, or an id as typed.
 */
import type { types } from '@slack/bolt';
import type { DepartmentChoice, DepartmentDirectory } from '../../relay/departments.js';
import type { FxiaokePerson, PeopleDirectory } from '../../relay/people.js';

/** Slack shows at most 100 options per answer. */
export const MAX_OPTIONS = 100;
/** Slack cuts an option's text at 75 characters. */
const MAX_OPTION_TEXT = 75;

type Option = types.PlainTextOption;

function option(text: string, value: string): Option {
  const clipped =
    [...text].length > MAX_OPTION_TEXT ? `${[...text].slice(0, MAX_OPTION_TEXT - 1).join('')}…` : text;
  return { text: { type: 'plain_text', text: clipped, emoji: false }, value };
}

export function personOption(person: FxiaokePerson): Option {
  const nick = person.nickName && person.nickName !== person.name ? ` (${person.nickName})` : '';
  const email = person.email ? ` · ${person.email}` : '';
  return option(`${person.name}${nick}${email}`, person.openUserId);
}

export function aliasOption(name: string, members: readonly string[]): Option {
  const size = `${members.length} ${members.length === 1 ? 'person' : 'people'}`;
  return option(`${name} — alias from the config file · ${size}`, name);
}

/** "Sales East — department · Sales › Sales East · 37 people", value `dept:1002`. */
export function departmentOption(choice: DepartmentChoice): Option {
  const { department, path, members } = choice;
  const where = path && path !== department.name ? ` · ${path}` : '';
  const count = members === undefined ? '' : ` · ${members} ${members === 1 ? 'person' : 'people'}`;
  return option(`${department.name} — department${count}${where}`, `dept:${department.id}`);
}

/** An id the address book does not list (an app's visibility may be narrower than the company). */
export function idOption(id: string): Option {
  return option(`${id} — id as typed`, id);
}

const TYPED_ID = /^(FSUID_[0-9A-Za-z]+|\d{1,18})$/;

export function aliasSuggestions(query: string, aliases: Record<string, string[]>): Option[] {
  const wanted = query.trim().toLowerCase();
  if (wanted === '') return [];
  return Object.entries(aliases)
    .filter(([name]) => name.toLowerCase().includes(wanted))
    .sort(
      ([a], [b]) =>
        Number(!a.toLowerCase().startsWith(wanted)) - Number(!b.toLowerCase().startsWith(wanted)) ||
        a.localeCompare(b),
    )
    .map(([name, members]) => aliasOption(name, members));
}

/** Departments offered per answer at most, so people still have room. */
const MAX_DEPARTMENT_OPTIONS = 20;

/**
 * Aliases first (few, and chosen on purpose by an admin), then departments, then people; at most
 * 100 in all. A failed department search leaves the others (the address book may still answer).
 */
export async function suggestRecipients(
  query: string,
  aliases: Record<string, string[]>,
  people: PeopleDirectory | undefined,
  departments?: DepartmentDirectory,
): Promise<Option[]> {
  const fromAliases = aliasSuggestions(query, aliases).slice(0, MAX_OPTIONS);
  const departmentRoom = Math.min(MAX_DEPARTMENT_OPTIONS, MAX_OPTIONS - fromAliases.length);
  const [foundDepartments, foundPeople] = await Promise.all([
    departments?.search && departmentRoom > 0
      ? departments.search(query, departmentRoom).catch(() => [])
      : Promise.resolve([]),
    people ? people.search(query, MAX_OPTIONS) : Promise.resolve([]),
  ]);
  const room = MAX_OPTIONS - fromAliases.length - foundDepartments.length;
  const found = foundPeople.slice(0, Math.max(0, room));
  const options = [...fromAliases, ...foundDepartments.map(departmentOption), ...found.map(personOption)];
  const typed = query.trim();
  if (TYPED_ID.test(typed) && !found.some((p) => p.openUserId === typed || p.employeeId === typed)) {
    // The address book may not list everyone the app can message, so a pasted id is offered as
    // typed, unless the address book knows it as departed.
    const known = people ? await people.findByIds([typed]).catch(() => undefined) : undefined;
    if (!known?.get(typed)?.isStop) {
      if (options.length >= MAX_OPTIONS) options.pop();
      options.push(idOption(typed));
    }
  }
  return options;
}
