/** Fxiaoke departments (fxiaoke/departments.ts) against the real emulator over HTTP. */
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FxiaokeClient } from '../../src/fxiaoke/client.js';
import { DEPARTMENT_PATHS, FxiaokeDepartments } from '../../src/fxiaoke/departments.js';
import { FxiaokeDirectory } from '../../src/fxiaoke/directory.js';
import { FxiaokeError } from '../../src/fxiaoke/errors.js';
import { RecordingLog } from '../relay/relay-deps.js';

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const TTL = 60_000;

const emulators: FxiaokeEmulator[] = [];
const clients: FxiaokeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(emulators.splice(0).map((emulator) => emulator.stop()));
});

async function setup() {
  const [a, b, c, gone, west] = generateUsers(5, 'Member');
  const emulator = await FxiaokeEmulator.start({
    users: [
      { ...a!, departmentIds: [1002] },
      { ...b!, departmentIds: [1004] },
      { ...c!, departmentIds: [1002, 1004] },
      { ...gone!, departmentIds: [1004], isStop: true },
      { ...west!, departmentIds: [1003] },
    ],
    departments: [
      { id: 1001, name: 'Sales', parentId: 999999 },
      { id: 1002, name: 'Sales East', parentId: 1001 },
      { id: 1003, name: 'Sales West', parentId: 1001, isStop: true },
      { id: 1004, name: 'Shanghai', parentId: 1002 },
    ],
  });
  emulators.push(emulator);
  const client = new FxiaokeClient({
    timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
    baseUrl: emulator.url,
    ...CREDS,
    authMode: 'header',
    userId: '1000',
    retry: { maxRetries: 0 },
    sleep: async () => undefined,
  });
  clients.push(client);
  const clock = { now: 1_000_000 };
  const log = new RecordingLog();
  const people = new FxiaokeDirectory({ client, ttlMs: TTL, log, now: () => clock.now });
  const departments = new FxiaokeDepartments({
    client,
    ttlMs: TTL,
    log,
    now: () => clock.now,
    memberships: () => people.activeMemberships(),
  });
  const calls = (path: string) => emulator.requestsTo(path).length;
  return { emulator, departments, clock, log, calls, users: { a: a!, b: b!, c: c!, gone: gone! } };
}

describe('FxiaokeDepartments', () => {
  it('reads the department list once for its lifetime, however many ask at once', async () => {
    const { departments, clock, calls } = await setup();
    const [first, second] = await Promise.all([departments.list(), departments.list()]);
    expect(first).toBe(second);
    expect(first.find((d) => d.id === 1003)).toEqual({
      id: 1003,
      name: 'Sales West',
      parentId: 1001,
      isStop: true,
      order: 0,
    });
    // The root has no parent.
    expect(first.find((d) => d.id === 999999)).not.toHaveProperty('parentId');
    await departments.list();
    expect(calls(DEPARTMENT_PATHS.list)).toBe(1);
    clock.now += TTL;
    await departments.list();
    expect(calls(DEPARTMENT_PATHS.list)).toBe(2);
  });

  it('asks for a department’s people with fetchChild: true, and keeps them for the TTL', async () => {
    const { emulator, departments, clock, users } = await setup();
    const [members] = await Promise.all([departments.membersOf(1002), departments.membersOf(1002)]);
    expect(members.map((person) => [person.openUserId, person.isStop])).toEqual([
      [users.a.openUserId, false],
      [users.b.openUserId, false],
      [users.c.openUserId, false],
      [users.gone.openUserId, true],
    ]);
    const asked = emulator.requestsTo(DEPARTMENT_PATHS.members);
    expect(asked.map((request) => request.body)).toEqual([{ departmentId: 1002, fetchChild: true }]);
    clock.now += TTL - 1;
    await departments.membersOf(1002);
    expect(emulator.requestsTo(DEPARTMENT_PATHS.members)).toHaveLength(1);
  });

  it('serves the last good copy when a refresh fails, and the error when there is none', async () => {
    const { emulator, departments, clock, log } = await setup();
    await departments.membersOf(1002);
    clock.now += TTL;
    emulator.addFault({ fault: { type: 'error', errorCode: -2 }, path: DEPARTMENT_PATHS.members });
    expect(await departments.membersOf(1002)).toHaveLength(4);
    expect(log.messages('warn')).toContain(
      'Fxiaoke department members refresh failed; using the cached copy',
    );
    await expect(departments.membersOf(4242)).rejects.toBeInstanceOf(FxiaokeError);
    await expect(departments.membersOf(4242)).rejects.toMatchObject({ errorCode: 11009 });
  });

  it('offers active departments for a query, with their path and active members from the address book', async () => {
    const { departments } = await setup();
    const found = await departments.search('sa', 10);
    expect(found.map(({ department, path, members }) => [department.id, path, members])).toEqual([
      // Sales: its sub-departments' people, a stopped one's included (as /cgi/user/list lists them).
      [1001, 'Sales', 4],
      [1002, 'Sales › Sales East', 3],
    ]);
    expect((await departments.search('shang', 10))[0]).toMatchObject({
      path: 'Sales › Sales East › Shanghai',
      members: 2,
    });
    expect(await departments.search('west', 10)).toEqual([]);
    expect((await departments.search('dept:1004', 10))[0]?.department.id).toBe(1004);
  });
});
