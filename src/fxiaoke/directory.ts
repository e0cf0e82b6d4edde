/**
 * The Fxiaoke address book behind `PeopleDirectory`: one cached copy of `/cgi/user/list` for the
 * whole company (there is no lookup by e-mail, and the list can be large), plus cached
 * `/cgi/user/getByMobile` answers. One refresh at a time; a failed refresh keeps serving the last
 * good copy, with a warning, and is not retried for a short while so a down Fxiaoke is not hammered.
 */
import { z } from 'zod';
import type { RelayLog } from '../relay/deps.js';
import type { FxiaokePerson, PeopleDirectory } from '../relay/people.js';
import { TtlCache } from '../util/ttl-cache.js';
import { FxiaokeAdapterError, FxiaokeErrorCode } from './errors.js';

export const DIRECTORY_PATHS = { list: '/cgi/user/list', byMobile: '/cgi/user/getByMobile' } as const;
/**
 * The department id that stands for the whole company by default: 999999 with fetchChild (the .NET
 * SDK); PHP clients use 0 (FXIAOKE_DIRECTORY_DEPARTMENT_ID picks).
 */
export const WHOLE_COMPANY = 999_999;
const MOBILE_CACHE_SIZE = 5_000;

/** The one method of FxiaokeClient the directory uses (authenticated call, retries, FxiaokeError). */
export interface DirectoryCaller {
  call(
    path: string,
    body: Record<string, unknown>,
    options: { safeToRepeat: boolean },
  ): Promise<{ envelope: unknown }>;
}

export interface DirectoryOptions {
  client: DirectoryCaller;
  /** How long a copy is fresh: PEOPLE_CACHE_TTL_SECONDS (config.ts DEFAULTS). */
  ttlMs: number;
  /** After a failed load, how long to serve what we have (or the error) before asking again. */
  retryAfterMs?: number;
  log: RelayLog;
  now?: () => number;
  /** Listed with its children as the whole company; default WHOLE_COMPANY. */
  departmentId?: number;
  /**
   * The `/cgi/user/list` field that holds the CRM employee id (the `x-fs-userid` form, what numeric
   * recipients name), FXIAOKE_EMPLOYEE_ID_FIELD. Unknown: no public model of the list has one
   * (they carry `employeeNumber` and `account`), so by default numeric ids are not looked up.
   */
  employeeIdField?: string;
}

export class DirectoryAnswerError extends FxiaokeAdapterError {
  readonly code = FxiaokeErrorCode.InvalidAnswer;
  constructor(path: string, detail: string) {
    super(`Fxiaoke answered ${path} in an unexpected shape (${detail})`);
  }
}

const optionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) =>
    value === null || value === undefined ? undefined : String(value).trim() || undefined,
  );

/** Only openUserId is required; the SDKs disagree on the rest, so each is read leniently. */
const personSchema = z.looseObject({
  openUserId: z.string().min(1),
  name: optionalText,
  nickName: optionalText,
  email: optionalText,
  mobile: optionalText,
  isStop: z.union([z.boolean(), z.number(), z.string()]).nullish(),
});
const listSchema = z.looseObject({ userList: z.array(z.unknown()) });
const mobileSchema = z.looseObject({ empList: z.array(z.unknown()).nullish() });

interface Snapshot {
  people: FxiaokePerson[];
  byEmail: Map<string, FxiaokePerson[]>;
  byId: Map<string, FxiaokePerson>;
  /** Active people → the departments the list puts them in; undefined when it names none. */
  memberships: Map<string, number[]> | undefined;
  fetchedAt: number;
}

export class FxiaokeDirectory implements PeopleDirectory {
  readonly ttlMs: number;
  readonly #client: DirectoryCaller;
  readonly #retryAfterMs: number;
  readonly #log: RelayLog;
  readonly #now: () => number;
  readonly #departmentId: number;
  readonly #employeeIdField: string | undefined;
  #snapshot: Snapshot | undefined;
  #refresh: Promise<Snapshot> | undefined;
  #failure: { at: number; error: unknown } | undefined;
  readonly #mobiles: TtlCache<string, FxiaokePerson[]>;

  constructor(options: DirectoryOptions) {
    this.#client = options.client;
    this.ttlMs = options.ttlMs;
    this.#retryAfterMs = options.retryAfterMs ?? Math.min(30_000, this.ttlMs);
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#departmentId = options.departmentId ?? WHOLE_COMPANY;
    this.#employeeIdField = options.employeeIdField;
    this.#mobiles = new TtlCache({ ttlMs: this.ttlMs, maxEntries: MOBILE_CACHE_SIZE, now: this.#now });
  }

  /** Starts loading in the background (at start-up), so the first typeahead finds it ready. */
  warm(): void {
    this.#current('fresh').catch(() => undefined);
  }

  async findByEmail(email: string): Promise<FxiaokePerson[]> {
    const snapshot = await this.#current('fresh');
    return [...(snapshot.byEmail.get(email.trim().toLowerCase()) ?? [])];
  }

  async findByIds(ids: readonly string[]): Promise<Map<string, FxiaokePerson>> {
    const snapshot = await this.#current('fresh');
    const found = new Map<string, FxiaokePerson>();
    for (const id of ids) {
      const person = snapshot.byId.get(id);
      if (person) found.set(id, person);
    }
    return found;
  }

  /** Typeahead: a stale copy answers at once (Slack allows 3 s) while a fresh one loads. */
  async search(query: string, limit: number): Promise<FxiaokePerson[]> {
    const wanted = query.trim().toLowerCase();
    if (wanted === '' || limit <= 0) return [];
    const snapshot = await this.#current('stale-ok');
    const ranked: { person: FxiaokePerson; rank: number }[] = [];
    for (const person of snapshot.people) {
      if (person.isStop) continue;
      const rank = matchRank(person, wanted);
      if (rank !== undefined) ranked.push({ person, rank });
    }
    ranked.sort((a, b) => a.rank - b.rank || a.person.name.localeCompare(b.person.name));
    return ranked.slice(0, limit).map((entry) => entry.person);
  }

  /**
   * Active people and their departments (`departmentIds` of the list), for member counts in the
   * typeahead; a stale copy answers. Undefined when the list names no departments.
   */
  async activeMemberships(): Promise<ReadonlyMap<string, readonly number[]> | undefined> {
    return (await this.#current('stale-ok')).memberships;
  }

  async findByMobile(mobile: string): Promise<FxiaokePerson[]> {
    const stale = this.#mobiles.stale(mobile);
    try {
      return [...(await this.#mobiles.get(mobile, (wanted) => this.#loadMobile(wanted)))];
    } catch (error) {
      if (!stale) throw error;
      this.#log.warn({ err: error }, 'Fxiaoke getByMobile failed; using the cached answer');
      return [...stale.value];
    }
  }

  async #loadMobile(mobile: string): Promise<FxiaokePerson[]> {
    const { envelope } = await this.#client.call(
      DIRECTORY_PATHS.byMobile,
      { mobile },
      { safeToRepeat: true },
    );
    const parsed = mobileSchema.safeParse(envelope);
    if (!parsed.success) throw new DirectoryAnswerError(DIRECTORY_PATHS.byMobile, 'no empList');
    return peopleOf(parsed.data.empList ?? [], this.#employeeIdField).people;
  }

  async #current(mode: 'fresh' | 'stale-ok'): Promise<Snapshot> {
    const snapshot = this.#snapshot;
    const now = this.#now();
    if (snapshot && now - snapshot.fetchedAt < this.ttlMs) return snapshot;
    const failure = this.#failure;
    if (failure && now - failure.at < this.#retryAfterMs) {
      if (snapshot) return snapshot;
      throw failure.error;
    }
    const refresh = this.#startRefresh();
    if (!snapshot) return refresh;
    if (mode === 'stale-ok') return snapshot;
    try {
      return await refresh;
    } catch {
      return snapshot; // the warning was logged by the refresh
    }
  }

  /** Single flight: every caller during a load shares it. */
  #startRefresh(): Promise<Snapshot> {
    if (this.#refresh) return this.#refresh;
    const flight = this.#load().then(
      (snapshot) => {
        this.#snapshot = snapshot;
        this.#failure = undefined;
        return snapshot;
      },
      (error: unknown) => {
        this.#failure = { at: this.#now(), error };
        const stale = this.#snapshot;
        if (stale) {
          const ageSeconds = Math.round((this.#now() - stale.fetchedAt) / 1000);
          this.#log.warn(
            { err: error, ageSeconds, people: stale.people.length },
            'Fxiaoke address book refresh failed; serving the cached copy',
          );
        } else {
          this.#log.warn({ err: error }, 'Fxiaoke address book could not be loaded');
        }
        throw error;
      },
    );
    this.#refresh = flight;
    const done = () => {
      this.#refresh = undefined;
    };
    flight.then(done, done);
    return flight;
  }

  async #load(): Promise<Snapshot> {
    const body = { departmentId: this.#departmentId, fetchChild: true };
    const { envelope } = await this.#client.call(DIRECTORY_PATHS.list, body, { safeToRepeat: true });
    const parsed = listSchema.safeParse(envelope);
    if (!parsed.success) throw new DirectoryAnswerError(DIRECTORY_PATHS.list, 'no userList array');
    const { people, skipped } = peopleOf(parsed.data.userList, this.#employeeIdField);
    if (skipped > 0) {
      this.#log.warn({ skipped }, 'Fxiaoke address book entries without an openUserId were skipped');
    }
    const byEmail = new Map<string, FxiaokePerson[]>();
    const byId = new Map<string, FxiaokePerson>();
    for (const person of people) {
      const email = person.email?.toLowerCase();
      if (email) byEmail.set(email, [...(byEmail.get(email) ?? []), person]);
      byId.set(person.openUserId, person);
      if (person.employeeId && !byId.has(person.employeeId)) byId.set(person.employeeId, person);
    }
    this.#log.info({ people: people.length }, 'Fxiaoke address book loaded');
    const memberships = membershipsOf(parsed.data.userList);
    return { people, byEmail, byId, memberships, fetchedAt: this.#now() };
  }
}

/** `departmentIds` of each active entry (sdk: the list carries them); undefined when none does. */
function membershipsOf(entries: readonly unknown[]): Map<string, number[]> | undefined {
  const found = new Map<string, number[]>();
  let any = false;
  for (const entry of entries) {
    const parsed = membershipSchema.safeParse(entry);
    if (!parsed.success || isStopped(parsed.data.isStop)) continue;
    const ids = (parsed.data.departmentIds ?? [])
      .map((id) => (typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id))
      .filter((id): id is number => Number.isInteger(id));
    any ||= ids.length > 0;
    found.set(parsed.data.openUserId, ids);
  }
  return any ? found : undefined;
}

const membershipSchema = z.looseObject({
  openUserId: z.string().min(1),
  departmentIds: z.array(z.unknown()).nullish(),
  isStop: z.union([z.boolean(), z.number(), z.string()]).nullish(),
});

/** Address-book entries as people; entries without an openUserId are skipped and counted. */
export function peopleOf(
  entries: readonly unknown[],
  employeeIdField: string | undefined,
): { people: FxiaokePerson[]; skipped: number } {
  const people: FxiaokePerson[] = [];
  let skipped = 0;
  for (const entry of entries) {
    const parsed = personSchema.safeParse(entry);
    if (!parsed.success) {
      skipped += 1;
      continue;
    }
    const { openUserId, name, nickName, email, mobile, isStop } = parsed.data;
    const raw = employeeIdField ? (parsed.data as Record<string, unknown>)[employeeIdField] : undefined;
    // Only a numeric value can be the CRM employee id a recipient names.
    const text = typeof raw === 'number' || typeof raw === 'string' ? String(raw).trim() : '';
    const employeeId = /^\d{1,18}$/.test(text) ? text : undefined;
    people.push({
      openUserId,
      name: name ?? nickName ?? openUserId,
      ...(nickName ? { nickName } : {}),
      ...(email ? { email } : {}),
      ...(mobile ? { mobile } : {}),
      ...(employeeId ? { employeeId } : {}),
      isStop: isStopped(isStop),
    });
  }
  return { people, skipped };
}

/** `isStop` is a boolean in the SDKs; numbers and strings are read the obvious way, just in case. */
function isStopped(value: boolean | number | string | null | undefined): boolean {
  if (typeof value === 'string') return value.trim().toLowerCase() === 'true' || value.trim() === '1';
  return value === true || value === 1;
}

/** 0: a name starts with it; 1: a word of the name does; 2: it appears anywhere; undefined: no match. */
function matchRank(person: FxiaokePerson, query: string): number | undefined {
  const names = [person.name, person.nickName]
    .filter((n): n is string => Boolean(n))
    .map((n) => n.toLowerCase());
  if (names.some((name) => name.startsWith(query))) return 0;
  if (names.some((name) => name.split(/[\s._-]+/).some((word) => word.startsWith(query)))) return 1;
  const elsewhere = [person.email, person.openUserId, person.employeeId].filter((f): f is string =>
    Boolean(f),
  );
  if ([...names, ...elsewhere.map((field) => field.toLowerCase())].some((field) => field.includes(query)))
    return 2;
  return undefined;
}
