/**
 * Fxiaoke departments behind `DepartmentDirectory` (relay/departments.ts): the department list and
 * each department's people, both cached for PEOPLE_CACHE_TTL_SECONDS with one load in flight per
 * key (util/ttl-cache.ts). A failed refresh keeps serving the last good copy, with a warning.
 *
 * The calls, as public clients make them (no doc page describes them):
 * - `POST /cgi/department/list` (auth only) → `departments:[{id,name,parentId,isStop,order}]`, seen
 *   in two public clients (the official Java demo's `Department.java`, the .NET SDK's
 *   `DepartmentListResponse.cs`); the root's `parentId` is 0 in one SDK comment.
 * - `POST /cgi/user/list {"departmentId":<id>,"fetchChild":true}` → `userList` of the department
 *   and, with `fetchChild: true` only, its sub-departments (sdk ×3); `11009`/`30007` = unknown
 *   department. `isStop: true` people left the company: counted, never sent to.
 */
import { z } from 'zod';
import {
  type DepartmentChoice,
  type DepartmentDirectory,
  DepartmentIndex,
  type FxiaokeDepartment,
} from '../relay/departments.js';
import type { RelayLog } from '../relay/deps.js';
import type { FxiaokePerson } from '../relay/people.js';
import { TtlCache } from '../util/ttl-cache.js';
import { DirectoryAnswerError, type DirectoryCaller, peopleOf } from './directory.js';

export const DEPARTMENT_PATHS = { list: '/cgi/department/list', members: '/cgi/user/list' } as const;
/** Departments whose people are kept at once; a relay names few, a busy bridge a few dozen. */
const MEMBER_CACHE_SIZE = 200;

export interface DepartmentsOptions {
  client: DirectoryCaller;
  /** PEOPLE_CACHE_TTL_SECONDS (config.ts DEFAULTS), in ms. */
  ttlMs: number;
  log: RelayLog;
  now?: () => number;
  /** FXIAOKE_EMPLOYEE_ID_FIELD, read from the people lists as the address book does. */
  employeeIdField?: string;
  /**
   * Active people and the departments the company list puts them in, when it says (the address
   * book's copy, stale is fine): the typeahead's member counts. Undefined: counts are not shown.
   */
  memberships?: () => Promise<ReadonlyMap<string, readonly number[]> | undefined>;
}

const departmentSchema = z.looseObject({
  id: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
  name: z.string().nullish(),
  parentId: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]).nullish(),
  isStop: z.union([z.boolean(), z.number(), z.string()]).nullish(),
  order: z.number().nullish(),
});
const listSchema = z.looseObject({ departments: z.array(z.unknown()) });
const membersSchema = z.looseObject({ userList: z.array(z.unknown()) });

export class FxiaokeDepartments implements DepartmentDirectory {
  readonly #client: DirectoryCaller;
  readonly #log: RelayLog;
  readonly #employeeIdField: string | undefined;
  readonly #memberships: DepartmentsOptions['memberships'];
  readonly #tree: TtlCache<'all', DepartmentIndex>;
  readonly #members: TtlCache<number, FxiaokePerson[]>;

  constructor(options: DepartmentsOptions) {
    this.#client = options.client;
    this.#log = options.log;
    this.#employeeIdField = options.employeeIdField;
    this.#memberships = options.memberships;
    const now = options.now ?? Date.now;
    this.#tree = new TtlCache({ ttlMs: options.ttlMs, maxEntries: 1, now });
    this.#members = new TtlCache({ ttlMs: options.ttlMs, maxEntries: MEMBER_CACHE_SIZE, now });
  }

  async list(): Promise<readonly FxiaokeDepartment[]> {
    return (await this.#index()).departments;
  }

  async membersOf(departmentId: number): Promise<readonly FxiaokePerson[]> {
    const stale = this.#members.stale(departmentId);
    try {
      return await this.#members.get(departmentId, (id) => this.#loadMembers(id));
    } catch (error) {
      if (!stale) throw error;
      this.#log.warn(
        { err: error, departmentId },
        'Fxiaoke department members refresh failed; using the cached copy',
      );
      return stale.value;
    }
  }

  /** Typeahead: a stale list answers at once (Slack allows 3 s) while a fresh one loads. */
  async search(query: string, limit: number): Promise<DepartmentChoice[]> {
    const wanted = query
      .trim()
      .toLowerCase()
      .replace(/^dept:/, '');
    if (wanted === '' || limit <= 0) return [];
    const stale = this.#tree.stale('all');
    let index: DepartmentIndex;
    if (stale && !this.#tree.fresh('all')) {
      this.#index().catch(() => undefined);
      index = stale.value;
    } else {
      index = await this.#index();
    }
    const ranked = index.departments
      .filter((department) => !department.isStop)
      .flatMap((department) => {
        const rank = matchRank(department, wanted);
        return rank === undefined ? [] : [{ department, rank }];
      })
      .sort((a, b) => a.rank - b.rank || a.department.name.localeCompare(b.department.name))
      .slice(0, limit);
    const memberships = await this.#memberships?.().catch(() => undefined);
    return ranked.map(({ department }) => {
      const members = memberships ? countMembers(index, department.id, memberships) : undefined;
      return { department, path: index.path(department), ...(members !== undefined ? { members } : {}) };
    });
  }

  async #index(): Promise<DepartmentIndex> {
    const stale = this.#tree.stale('all');
    try {
      return await this.#tree.get('all', () => this.#loadList());
    } catch (error) {
      if (!stale) throw error;
      this.#log.warn({ err: error }, 'Fxiaoke department list refresh failed; using the cached copy');
      return stale.value;
    }
  }

  async #loadList(): Promise<DepartmentIndex> {
    const { envelope } = await this.#client.call(DEPARTMENT_PATHS.list, {}, { safeToRepeat: true });
    const parsed = listSchema.safeParse(envelope);
    if (!parsed.success) throw new DirectoryAnswerError(DEPARTMENT_PATHS.list, 'no departments array');
    const departments: FxiaokeDepartment[] = [];
    let skipped = 0;
    for (const entry of parsed.data.departments) {
      const one = departmentSchema.safeParse(entry);
      if (!one.success) {
        skipped += 1;
        continue;
      }
      const { id, name, parentId, isStop, order } = one.data;
      departments.push({
        id,
        name: name?.trim() || `Department ${id}`,
        // The root's parent is 0 (or absent); no department has id 0.
        ...(parentId !== null && parentId !== undefined && parentId !== 0 && parentId !== id
          ? { parentId }
          : {}),
        isStop: stopped(isStop),
        ...(typeof order === 'number' ? { order } : {}),
      });
    }
    if (skipped > 0) this.#log.warn({ skipped }, 'Fxiaoke departments without an id were skipped');
    this.#log.info({ departments: departments.length }, 'Fxiaoke department list loaded');
    return new DepartmentIndex(departments);
  }

  async #loadMembers(departmentId: number): Promise<FxiaokePerson[]> {
    // fetchChild: a department is meant with its sub-departments; without it Fxiaoke leaves them out.
    const body = { departmentId, fetchChild: true };
    const { envelope } = await this.#client.call(DEPARTMENT_PATHS.members, body, { safeToRepeat: true });
    const parsed = membersSchema.safeParse(envelope);
    if (!parsed.success) throw new DirectoryAnswerError(DEPARTMENT_PATHS.members, 'no userList array');
    const { people, skipped } = peopleOf(parsed.data.userList, this.#employeeIdField);
    if (skipped > 0)
      this.#log.warn({ skipped, departmentId }, 'department members without an openUserId were skipped');
    return people;
  }
}

/** Active people in the department or under it, each once. */
function countMembers(
  index: DepartmentIndex,
  departmentId: number,
  memberships: ReadonlyMap<string, readonly number[]>,
): number {
  const within = new Set(index.descendants(departmentId));
  let count = 0;
  for (const departments of memberships.values()) if (departments.some((id) => within.has(id))) count += 1;
  return count;
}

/** 0: the name starts with it; 1: a word of it does; 2: it appears anywhere; 3: the id. */
function matchRank(department: FxiaokeDepartment, query: string): number | undefined {
  const name = department.name.toLowerCase();
  if (name.startsWith(query)) return 0;
  if (name.split(/[\s._/-]+/).some((word) => word.startsWith(query))) return 1;
  if (name.includes(query)) return 2;
  if (String(department.id) === query) return 3;
  return undefined;
}

function stopped(value: boolean | number | string | null | undefined): boolean {
  if (typeof value === 'string') return value.trim().toLowerCase() === 'true' || value.trim() === '1';
  return value === true || value === 1;
}
