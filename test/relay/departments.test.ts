/** Departments as recipients (relay/departments.ts through checkRecipients), over an in-memory directory. */
import { describe, expect, it } from 'vitest';
import { checkRecipients } from '../../src/relay/check.js';
import { DepartmentIndex, parseDepartmentRef } from '../../src/relay/departments.js';
import { ALICE, BOB, FakePeople, salesDepartments, slackProfiles } from './fake-people.js';
import { testRelay } from './relay-deps.js';

function setup(settings: NonNullable<Parameters<typeof testRelay>[0]>['settings'] = {}) {
  const { deps } = testRelay({ settings });
  const departments = salesDepartments();
  const people = new FakePeople([ALICE, BOB]);
  return { deps: { ...deps, people, departments }, departments, profiles: slackProfiles() };
}

const EAST = ['FSUID_D1', 'FSUID_D2', ALICE.openUserId, 'FSUID_D3'];

describe('dept: items', () => {
  it('reads ids, names and quoted names', () => {
    expect(parseDepartmentRef('dept:1002')).toEqual({ input: 'dept:1002', id: 1002 });
    expect(parseDepartmentRef('DEPT:Sales East')).toEqual({ input: 'DEPT:Sales East', name: 'Sales East' });
    expect(parseDepartmentRef('dept:"Sales East"')).toMatchObject({ name: 'Sales East' });
    expect(parseDepartmentRef('dept:“销售部”')).toMatchObject({ name: '销售部' });
    expect(parseDepartmentRef('dept:')).toBeUndefined();
    expect(parseDepartmentRef('dept:""')).toBeUndefined();
    expect(parseDepartmentRef('sales')).toBeUndefined();
  });

  it('names a department by its path, the root left out', () => {
    const tree = new DepartmentIndex(salesDepartments().departments);
    expect(tree.path(tree.byId.get(1004)!)).toBe('Sales › Sales East › Shanghai');
    expect(tree.path(tree.byId.get(999999)!)).toBe('Company');
    expect(tree.descendants(1001).sort()).toEqual([1001, 1002, 1003, 1004, 2002]);
  });
});

describe('checkRecipients with departments', () => {
  it('expands a department by id to its active members and those of its sub-departments', async () => {
    const { deps, departments, profiles } = setup();
    const check = await checkRecipients(deps, ['dept:1002'], profiles);
    expect(check).toEqual({
      ok: true,
      recipients: EAST,
      unreachable: [],
      departments: [{ id: 1002, name: 'Sales East', people: 4, departed: 1 }],
    });
    expect(departments.calls).toEqual(['list', 'members:1002']);
  });

  it('matches a name exactly, ignoring case, and de-duplicates with everyone else named', async () => {
    const { deps, profiles } = setup();
    const check = await checkRecipients(deps, [ALICE.openUserId, 'dept:"sales east"', 'FSUID_D1'], profiles);
    expect(check).toMatchObject({
      ok: true,
      recipients: [ALICE.openUserId, 'FSUID_D1', 'FSUID_D2', 'FSUID_D3'],
      departments: [{ id: 1002, name: 'Sales East', people: 4, departed: 1 }],
    });
  });

  it('expands departments inside an alias', async () => {
    const { deps, profiles } = setup({ aliases: { east: ['dept:Sales East', BOB.openUserId] } });
    const check = await checkRecipients(deps, ['east'], profiles);
    expect(check).toMatchObject({ ok: true, recipients: [...EAST, BOB.openUserId] });
  });

  it('refuses an unknown name, naming the closest departments with their ids', async () => {
    const { deps, profiles } = setup();
    const check = await checkRecipients(deps, ['dept:Sales Eats', ALICE.openUserId], profiles);
    expect(check).toEqual({
      ok: false,
      problems: [
        {
          input: 'dept:Sales Eats',
          reason:
            'no Fxiaoke department is called “Sales Eats”; the closest: Sales East (dept 1002), Sales (dept 1001)',
        },
      ],
    });
  });

  it('refuses an ambiguous name, listing each candidate with its id and parent', async () => {
    const { deps, profiles } = setup();
    const check = await checkRecipients(deps, ['dept:Support'], profiles);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.problems[0]?.reason).toBe(
      '2 Fxiaoke departments are called “Support”: Support (dept 2001) in Company (dept 999999); support (dept 2002) in Sales (dept 1001). Name one by its id (dept:<id>)',
    );
  });

  it('refuses a stopped department, by name and by id, and an unknown id', async () => {
    const { deps, departments, profiles } = setup();
    for (const input of ['dept:Sales West', 'dept:1003']) {
      const check = await checkRecipients(deps, [input], profiles);
      expect(check.ok ? '' : check.problems[0]?.reason, input).toBe(
        'Sales West (dept 1003) is stopped in Fxiaoke, so it cannot be sent to',
      );
    }
    expect(departments.calls).not.toContain('members:1003');
    const unknown = await checkRecipients(deps, ['dept:4242'], profiles);
    expect(unknown.ok ? '' : unknown.problems[0]?.reason).toBe('Fxiaoke has no department with id 4242');
  });

  it('applies maxRecipients after expansion and names the department that made the list too long', async () => {
    const { deps, profiles } = setup({ maxRecipients: 3 });
    const check = await checkRecipients(deps, [BOB.openUserId, 'dept:1002'], profiles);
    expect(check).toEqual({
      ok: false,
      problems: [
        {
          input: `${BOB.openUserId},dept:1002`,
          reason:
            'that is 5 recipients; one relay may have at most 3: Sales East (dept 1002) made it too long (it has 4 people). Name a smaller department, or send in parts',
        },
      ],
    });
  });

  it('says so when the department list cannot be read, and sends nothing', async () => {
    const { deps, departments, profiles } = setup();
    departments.listFailure = new Error('Fxiaoke unreachable');
    const check = await checkRecipients(deps, ['dept:1002', ALICE.openUserId], profiles);
    expect(check).toMatchObject({
      ok: false,
      problems: [
        {
          input: 'dept:1002',
          reason: expect.stringContaining('department list could not be read (Fxiaoke unreachable)'),
        },
      ],
    });
  });

  it('without a department directory, a dept: item is a clear error', async () => {
    const { deps } = testRelay();
    const check = await checkRecipients(deps, ['dept:1002'], undefined);
    expect(check).toMatchObject({
      ok: false,
      problems: [{ input: 'dept:1002', reason: expect.stringContaining('address book') }],
    });
  });
});
