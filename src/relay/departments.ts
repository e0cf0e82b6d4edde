/**
 * Departments as recipients: `dept:<id>` or `dept:<name>` stands for every active member of a
 * Fxiaoke department and of its sub-departments. This module reads the items, finds the department
 * (by id, or by its exact name ignoring case) and its members through a `DepartmentDirectory`, and
 * says plainly what is wrong: an unknown name with the closest ones, an ambiguous name with each
 * candidate's id and parent, a stopped department. No network code here; the adapter is
 * src/fxiaoke/departments.ts.
 */
import { DepartmentIndex, departmentLabel, type FxiaokeDepartment } from './department-index.js';
import type { FxiaokePerson } from './people.js';
import type { RelayDepartment } from './types.js';

export { DepartmentIndex, departmentLabel, type FxiaokeDepartment } from './department-index.js';

/** A department as the typeahead offers it. */
export interface DepartmentChoice {
  department: FxiaokeDepartment;
  /** Names from the top, the root left out: "Sales › Sales East". */
  path: string;
  /** Active members with its sub-departments, when the address book says (else undefined). */
  members?: number;
}

export interface DepartmentDirectory {
  /** Every department of the company (cached). */
  list(): Promise<readonly FxiaokeDepartment[]>;
  /** Everyone in the department and its sub-departments, departed people included (callers decide). */
  membersOf(departmentId: number): Promise<readonly FxiaokePerson[]>;
  /** Active departments matching the query, for the typeahead; a stale copy answers at once. */
  search?(query: string, limit: number): Promise<DepartmentChoice[]>;
}

/** A recipient item naming a department: by id, or by name (quotes allow spaces in `/fx-send`). */
export type DepartmentRef = { input: string; id: number } | { input: string; name: string };

const PREFIX = /^dept:/i;
const BY_ID = /^dept:(\d{1,18})$/i;
/** `"…"` or `“…”` around a name: `/fx-send` needs them for names with spaces. */
const QUOTED = /^(?:"([^"]*)"|“([^”]*)”)$/;

export function isDepartmentItem(input: string): boolean {
  return PREFIX.test(input);
}

export function parseDepartmentRef(input: string): DepartmentRef | undefined {
  if (!isDepartmentItem(input)) return undefined;
  const byId = BY_ID.exec(input.trim());
  if (byId?.[1]) return { input, id: Number(byId[1]) };
  const raw = input.trim().replace(PREFIX, '').trim();
  const quoted = QUOTED.exec(raw);
  const name = (quoted ? (quoted[1] ?? quoted[2] ?? '') : raw).trim();
  return name === '' ? undefined : { input, name };
}

/** The key a department item is looked up by: the same department however it is spelt. */
export function departmentKey(input: string): string {
  const ref = parseDepartmentRef(input);
  if (!ref) return input.toLowerCase();
  return 'id' in ref ? `id:${ref.id}` : `name:${ref.name.toLowerCase()}`;
}

/** What one department item resolved to (`problem` as recipients.ts reports every recipient problem). */
export type DepartmentLookup =
  | { ok: true; department: RelayDepartment; members: string[] }
  | { ok: false; problem: { input: string; reason: string } };

/**
 * Every department item of `inputs`, looked up once each (the list is cached by the directory, and
 * each department's members too). Keyed by `departmentKey`.
 */
export async function lookUpDepartments(
  directory: DepartmentDirectory | undefined,
  inputs: readonly string[],
): Promise<Map<string, DepartmentLookup>> {
  const found = new Map<string, DepartmentLookup>();
  const wanted = new Map<string, string>();
  for (const input of inputs) if (isDepartmentItem(input)) wanted.set(departmentKey(input), input);
  if (wanted.size === 0) return found;
  if (!directory) {
    for (const [key, input] of wanted) {
      found.set(key, {
        ok: false,
        problem: {
          input,
          reason: 'departments need the Fxiaoke address book, which this bridge does not use',
        },
      });
    }
    return found;
  }
  let departments: readonly FxiaokeDepartment[];
  try {
    departments = await directory.list();
  } catch (error) {
    const reason = `the Fxiaoke department list could not be read (${why(error)}); try again in a moment`;
    for (const [key, input] of wanted) found.set(key, { ok: false, problem: { input, reason } });
    return found;
  }
  const tree = new DepartmentIndex(departments);
  await Promise.all(
    [...wanted].map(async ([key, input]) => {
      found.set(key, await lookUp(directory, tree, input));
    }),
  );
  return found;
}

async function lookUp(
  directory: DepartmentDirectory,
  tree: DepartmentIndex,
  input: string,
): Promise<DepartmentLookup> {
  const ref = parseDepartmentRef(input);
  if (!ref) {
    return {
      ok: false,
      problem: { input, reason: 'write dept:<id> or dept:<name> (quoted if it has spaces)' },
    };
  }
  const chosen = 'id' in ref ? tree.byId.get(ref.id) : undefined;
  let department: FxiaokeDepartment;
  if ('id' in ref) {
    if (!chosen)
      return { ok: false, problem: { input, reason: `Fxiaoke has no department with id ${ref.id}` } };
    department = chosen;
  } else {
    const matches = tree.named(ref.name);
    if (matches.length === 0) {
      const closest = tree.closest(ref.name, 3).map((d) => tree.label(d));
      const hint = closest.length > 0 ? `; the closest: ${closest.join(', ')}` : '';
      return {
        ok: false,
        problem: { input, reason: `no Fxiaoke department is called “${ref.name}”${hint}` },
      };
    }
    if (matches.length > 1) {
      const each = matches.map(
        (d) => `${tree.label(d)} in ${tree.parentLabel(d)}${d.isStop ? ', stopped' : ''}`,
      );
      return {
        ok: false,
        problem: {
          input,
          reason: `${matches.length} Fxiaoke departments are called “${ref.name}”: ${each.join('; ')}. Name one by its id (dept:<id>)`,
        },
      };
    }
    department = matches[0] as FxiaokeDepartment;
  }
  if (department.isStop) {
    return {
      ok: false,
      problem: { input, reason: `${tree.label(department)} is stopped in Fxiaoke, so it cannot be sent to` },
    };
  }
  let people: readonly FxiaokePerson[];
  try {
    people = await directory.membersOf(department.id);
  } catch (error) {
    return {
      ok: false,
      problem: {
        input,
        reason: `the members of ${tree.label(department)} could not be read (${why(error)}); try again in a moment`,
      },
    };
  }
  const members = new Set<string>();
  let departed = 0;
  for (const person of people) {
    if (person.isStop) departed += 1;
    else members.add(person.openUserId);
  }
  return {
    ok: true,
    department: { id: department.id, name: department.name, people: members.size, departed },
    members: [...members],
  };
}

/** "Sales East (dept 1002): 37 people", and the departed left out when there were any. */
export function departmentReach(department: RelayDepartment): string {
  const people = `${department.people} ${department.people === 1 ? 'person' : 'people'}`;
  const departed = department.departed > 0 ? ` (${department.departed} who left not included)` : '';
  return `${departmentLabel(department)}: ${people}${departed}`;
}

function why(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 160 ? `${message.slice(0, 159)}…` : message;
}
