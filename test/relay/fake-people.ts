/** In-memory PeopleDirectory and ChatProfiles for relay/ unit tests; every lookup is counted. */
import {
  type DepartmentDirectory,
  DepartmentIndex,
  type FxiaokeDepartment,
} from '../../src/relay/departments.js';
import type { ChatProfile, ChatProfiles, FxiaokePerson, PeopleDirectory } from '../../src/relay/people.js';

export class FakePeople implements PeopleDirectory {
  readonly calls: string[] = [];
  failure: Error | undefined;
  constructor(readonly people: FxiaokePerson[] = []) {}

  #check(call: string): void {
    this.calls.push(call);
    if (this.failure) throw this.failure;
  }

  async findByEmail(email: string): Promise<FxiaokePerson[]> {
    this.#check(`email:${email}`);
    return this.people.filter((person) => person.email?.toLowerCase() === email.toLowerCase());
  }

  async findByMobile(mobile: string): Promise<FxiaokePerson[]> {
    this.#check(`mobile:${mobile}`);
    return this.people.filter((person) => person.mobile === mobile);
  }

  async findByIds(ids: readonly string[]): Promise<Map<string, FxiaokePerson>> {
    this.#check(`ids:${ids.join(',')}`);
    const found = new Map<string, FxiaokePerson>();
    for (const id of ids) {
      const person = this.people.find((p) => p.openUserId === id || p.employeeId === id);
      if (person) found.set(id, person);
    }
    return found;
  }

  async search(query: string, limit: number): Promise<FxiaokePerson[]> {
    this.#check(`search:${query}`);
    return this.people
      .filter((p) => !p.isStop && p.name.toLowerCase().includes(query.toLowerCase()))
      .slice(0, limit);
  }
}

export class FakeProfiles implements ChatProfiles {
  readonly asked: string[] = [];
  readonly failing = new Map<string, Error>();
  constructor(readonly profiles: ChatProfile[] = []) {}

  async get(userId: string): Promise<ChatProfile | undefined> {
    this.asked.push(userId);
    const failure = this.failing.get(userId);
    if (failure) throw failure;
    return this.profiles.find((profile) => profile.id === userId);
  }
}

export const ALICE: FxiaokePerson = {
  openUserId: 'FSUID_ALICEFX',
  name: 'Alice Wang',
  email: 'alice@corp.example',
  mobile: '13800000001',
  isStop: false,
};
export const BOB: FxiaokePerson = {
  openUserId: 'FSUID_BOBFX',
  name: 'Bob Li',
  mobile: '13800000002',
  isStop: false,
};
export const GONE: FxiaokePerson = {
  openUserId: 'FSUID_GONEFX',
  name: 'Gone Zhao',
  email: 'gone@corp.example',
  mobile: '13800000003',
  isStop: true,
};

/** Slack users: by e-mail (case differs), by phone (formatted), departed, unknown in Fxiaoke, no contact. */
export function slackProfiles(): FakeProfiles {
  return new FakeProfiles([
    { id: 'U0BYMAIL', name: 'alice', email: 'Alice@Corp.Example' },
    { id: 'U0BYPHONE', name: 'bob', phone: '+86 138-0000-0002' },
    { id: 'U0GONE', name: 'gone', email: 'gone@corp.example' },
    { id: 'U0STRANGER', name: 'carol', email: 'carol@elsewhere.example' },
    { id: 'U0NOCONTACT', name: 'dave' },
    { id: 'U0BOT', name: 'somebot', isBot: true },
    { id: 'U0DEACT', name: 'erin', email: 'alice@corp.example', deleted: true },
  ]);
}

/** In-memory DepartmentDirectory: a tree and its people (by department, sub-departments included). */
export class FakeDepartments implements DepartmentDirectory {
  readonly calls: string[] = [];
  listFailure: Error | undefined;
  constructor(
    readonly departments: FxiaokeDepartment[],
    /** Department id → its own people (not those of its sub-departments). */
    readonly people: Map<number, FxiaokePerson[]>,
  ) {}

  async list(): Promise<readonly FxiaokeDepartment[]> {
    this.calls.push('list');
    if (this.listFailure) throw this.listFailure;
    return this.departments;
  }

  async membersOf(departmentId: number): Promise<readonly FxiaokePerson[]> {
    this.calls.push(`members:${departmentId}`);
    const within = new DepartmentIndex(this.departments).descendants(departmentId);
    return within.flatMap((id) => this.people.get(id) ?? []);
  }
}

/** Sales (1001) › Sales East (1002) › Shanghai (1004); Sales West (1003, stopped); two "Support"s. */
export function salesDepartments(): FakeDepartments {
  const person = (n: number, isStop = false): FxiaokePerson => ({
    openUserId: `FSUID_D${n}`,
    name: `Dept Person ${n}`,
    isStop,
  });
  return new FakeDepartments(
    [
      { id: 999999, name: 'Company', isStop: false },
      { id: 1001, name: 'Sales', parentId: 999999, isStop: false },
      { id: 1002, name: 'Sales East', parentId: 1001, isStop: false },
      { id: 1003, name: 'Sales West', parentId: 1001, isStop: true },
      { id: 1004, name: 'Shanghai', parentId: 1002, isStop: false },
      { id: 2001, name: 'Support', parentId: 999999, isStop: false },
      { id: 2002, name: 'support', parentId: 1001, isStop: false },
    ],
    new Map([
      [1002, [person(1), person(2), ALICE]],
      [1004, [person(3), person(4, true)]],
      [1003, [person(5)]],
      [2001, [person(6)]],
    ]),
  );
}
