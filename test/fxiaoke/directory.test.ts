/** The cached Fxiaoke address book, against the real emulator over HTTP (and a fake for odd answers). */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultUsers, FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FxiaokeClient } from '../../src/fxiaoke/client.js';
import { DIRECTORY_PATHS, DirectoryAnswerError, FxiaokeDirectory } from '../../src/fxiaoke/directory.js';
import { FxiaokeError } from '../../src/fxiaoke/errors.js';
import { RecordingLog } from '../relay/relay-deps.js';

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const TTL = 60_000;
const RETRY_AFTER = 5_000;

const emulators: FxiaokeEmulator[] = [];
const clients: FxiaokeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(emulators.splice(0).map((emulator) => emulator.stop()));
});

async function setup(options: { employeeIdField?: string } = {}) {
  // A tenant whose list shows the CRM employee id under `userNumber` (the field is unknown upstream:
  // FXIAOKE_EMPLOYEE_ID_FIELD names it); the emulator shows no such field unless told.
  const users = defaultUsers().map((user) => ({ ...user, fields: { userNumber: user.employeeId } }));
  const emulator = await FxiaokeEmulator.start({ users });
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
  const directory = new FxiaokeDirectory({
    client,
    ttlMs: TTL,
    retryAfterMs: RETRY_AFTER,
    log,
    now: () => clock.now,
    ...options,
  });
  const listCalls = () => emulator.requestsTo(DIRECTORY_PATHS.list).length;
  return { emulator, directory, clock, log, listCalls };
}

describe('FxiaokeDirectory: reading the address book', () => {
  it('asks for the whole company once and answers lookups from that copy', async () => {
    const { emulator, directory, listCalls } = await setup({ employeeIdField: 'userNumber' });
    const [first, second] = emulator.users;
    expect(await directory.findByEmail(first!.email!.toUpperCase())).toMatchObject([
      { openUserId: first!.openUserId, name: first!.name, isStop: false },
    ]);
    expect(await directory.findByEmail(' nobody@example.com ')).toEqual([]);
    const byIds = await directory.findByIds([second!.openUserId, '1000', 'FSUID_UNKNOWN']);
    expect(byIds.get(second!.openUserId)?.name).toBe(second!.name);
    expect(byIds.get('1000')?.openUserId).toBe(first!.openUserId); // by employee id too
    expect(byIds.has('FSUID_UNKNOWN')).toBe(false);
    expect(listCalls()).toBe(1);
    // What the list shows is all there is: no employeeId field is invented.
    const shown = emulator.requestsTo(DIRECTORY_PATHS.list)[0]?.response as
      | { userList?: object[] }
      | undefined;
    expect(shown?.userList?.[0]).toHaveProperty('openUserId');
    expect(shown?.userList?.[0]).not.toHaveProperty('employeeId');
    expect(emulator.requestsTo(DIRECTORY_PATHS.list)[0]?.body).toEqual({
      departmentId: 999999,
      fetchChild: true,
    });
  });

  it('without FXIAOKE_EMPLOYEE_ID_FIELD numeric ids are not looked up (no public list model names the field)', async () => {
    const { directory } = await setup();
    expect((await directory.findByIds(['1000'])).size).toBe(0);
  });

  it('reads the whole company from FXIAOKE_DIRECTORY_DEPARTMENT_ID (0, as PHP clients send it)', async () => {
    const emulator = await FxiaokeEmulator.start();
    emulators.push(emulator);
    const client = new FxiaokeClient({
      timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
      baseUrl: emulator.url,
      ...CREDS,
      authMode: 'header',
      userId: '1000',
      sleep: async () => undefined,
    });
    clients.push(client);
    const directory = new FxiaokeDirectory({
      ttlMs: DEFAULTS.peopleCacheTtlSeconds * 1000,
      client,
      log: new RecordingLog(),
      departmentId: 0,
    });
    expect((await directory.search('user', 100)).length).toBeGreaterThan(0);
    expect(emulator.requestsTo(DIRECTORY_PATHS.list)[0]?.body).toEqual({ departmentId: 0, fetchChild: true });
  });

  it('reports departed employees as such and never offers them in the typeahead', async () => {
    const { directory } = await setup();
    expect(await directory.findByEmail('stopped@example.com')).toMatchObject([
      { name: 'Stopped User', isStop: true },
    ]);
    expect(await directory.search('stop', 100)).toEqual([]);
    const everyone = await directory.search('user', 100);
    expect(everyone.map((person) => person.name)).toEqual([
      'Test User 1',
      'Test User 2',
      'Test User 3',
      'Test User 4',
      'Test User 5',
    ]);
  });

  it('ranks name prefixes before word prefixes before other matches, up to the limit', async () => {
    const { emulator, directory } = await setup();
    emulator.addUser({ openUserId: 'FSUID_ANNA', name: 'Anna Li', email: 'al@example.com' });
    emulator.addUser({ openUserId: 'FSUID_JOHANNA', name: 'Johanna Wu', email: 'jw@example.com' });
    emulator.addUser({ openUserId: 'FSUID_LIANNA', name: 'Zhou Annabel', email: 'zz@example.com' });
    emulator.addUser({ openUserId: 'FSUID_MAIL', name: 'Bob', email: 'anna.b@example.com' });
    emulator.addUser({ openUserId: 'FSUID_CN', name: '张三', nickName: 'zhangsan' });
    const names = async (query: string, limit = 10) =>
      (await directory.search(query, limit)).map((person) => person.name);
    expect(await names('anna')).toEqual(['Anna Li', 'Zhou Annabel', 'Bob', 'Johanna Wu']);
    expect(await names('ANNA', 2)).toEqual(['Anna Li', 'Zhou Annabel']);
    expect(await names('张')).toEqual(['张三']);
    expect(await names('zhangs')).toEqual(['张三']);
    expect(await names('   ')).toEqual([]);
  });
});

describe('FxiaokeDirectory: the cache', () => {
  it('shares one load between concurrent callers (single flight)', async () => {
    const { emulator, directory, listCalls } = await setup();
    emulator.addFault({ fault: { type: 'latency', ms: 100 }, path: DIRECTORY_PATHS.list });
    const email = emulator.users[0]!.email!;
    const answers = await Promise.all([
      directory.findByEmail(email),
      directory.findByIds(['1001']),
      directory.search('test', 5),
      directory.findByEmail(email),
    ]);
    expect(answers[0]).toHaveLength(1);
    expect(answers[2]).toHaveLength(5);
    expect(listCalls()).toBe(1);
  });

  it('keeps the copy for the TTL, then loads a new one', async () => {
    const { emulator, directory, clock, listCalls } = await setup();
    await directory.findByIds(['1000']);
    emulator.addUser({ openUserId: 'FSUID_NEW', name: 'New Hire', email: 'new@example.com' });
    clock.now += TTL - 1;
    expect(await directory.findByEmail('new@example.com')).toEqual([]);
    expect(listCalls()).toBe(1);
    clock.now += 1;
    expect(await directory.findByEmail('new@example.com')).toMatchObject([{ openUserId: 'FSUID_NEW' }]);
    expect(listCalls()).toBe(2);
  });

  it('serves the stale copy with a warning when a refresh fails, and does not hammer Fxiaoke', async () => {
    const { emulator, directory, clock, log, listCalls } = await setup();
    await directory.findByIds(['1000']);
    clock.now += TTL;
    emulator.addFault({
      fault: { type: 'error', errorCode: -1 },
      path: DIRECTORY_PATHS.list,
      times: Infinity,
    });
    expect(await directory.findByEmail(emulator.users[1]!.email!)).toHaveLength(1);
    expect(log.messages('warn')).toContain('Fxiaoke address book refresh failed; serving the cached copy');
    expect(log.entries.find((entry) => entry.level === 'warn')?.details).toMatchObject({ ageSeconds: 60 });
    // Within the retry pause every lookup is answered from the stale copy without asking again.
    clock.now += RETRY_AFTER - 1;
    expect(await directory.search('test', 10)).toHaveLength(5);
    expect(listCalls()).toBe(2);
    clock.now += 1;
    emulator.clearFaults();
    emulator.addUser({ openUserId: 'FSUID_LATER', name: 'Later', email: 'later@example.com' });
    expect(await directory.findByEmail('later@example.com')).toHaveLength(1);
    expect(listCalls()).toBe(3);
  });

  it('answers the typeahead from a stale copy at once while the new one loads', async () => {
    const { emulator, directory, clock, listCalls } = await setup();
    await directory.findByIds(['1000']);
    clock.now += TTL;
    emulator.addUser({ openUserId: 'FSUID_SLOW', name: 'Test User Slow' });
    emulator.addFault({ fault: { type: 'latency', ms: 200 }, path: DIRECTORY_PATHS.list });
    // Answered from the stale copy: had it waited for the new one, FSUID_SLOW would be in it.
    expect((await directory.search('test user', 10)).map((p) => p.openUserId)).not.toContain('FSUID_SLOW');
    // A lookup that needs the fresh copy waits for the same load.
    expect((await directory.findByIds(['FSUID_SLOW'])).has('FSUID_SLOW')).toBe(true);
    expect(listCalls()).toBe(2);
  });

  it('fails clearly when there is no copy yet, and pauses before asking again', async () => {
    const { emulator, directory, clock, listCalls } = await setup();
    emulator.addFault({ fault: { type: 'error', errorCode: 20014 }, path: DIRECTORY_PATHS.list });
    const error = await directory.findByEmail('x@example.com').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FxiaokeError);
    expect((error as FxiaokeError).errorCode).toBe(20014);
    await expect(directory.search('test', 5)).rejects.toBe(error);
    expect(listCalls()).toBe(1);
    clock.now += RETRY_AFTER;
    expect(await directory.search('test', 5)).toHaveLength(5);
    expect(listCalls()).toBe(2);
  });
});

describe('FxiaokeDirectory: getByMobile', () => {
  it('returns everyone with the number, departed included, and caches the answer for the TTL', async () => {
    const { emulator, directory, clock } = await setup();
    const calls = () => emulator.requestsTo(DIRECTORY_PATHS.byMobile).length;
    expect(await directory.findByMobile('13800000002')).toMatchObject([
      { openUserId: emulator.users[1]!.openUserId },
    ]);
    expect(await directory.findByMobile('13900000000')).toMatchObject([
      { name: 'Stopped User', isStop: true },
    ]);
    expect(await directory.findByMobile('10000000000')).toEqual([]);
    expect(await directory.findByMobile('13800000002')).toHaveLength(1);
    expect(calls()).toBe(3);
    expect(emulator.requestsTo(DIRECTORY_PATHS.byMobile)[0]?.body).toEqual({ mobile: '13800000002' });
    clock.now += TTL;
    emulator.addFault({ fault: { type: 'error', errorCode: -1 }, path: DIRECTORY_PATHS.byMobile });
    // A failed refresh falls back to the answer it had.
    expect(await directory.findByMobile('13800000002')).toHaveLength(1);
    expect(calls()).toBe(4);
  });
});

describe('FxiaokeDirectory: answers in unexpected shapes', () => {
  const fake = (envelope: unknown) => ({ call: async () => ({ envelope }) });

  it('rejects an answer without a userList', async () => {
    const log = new RecordingLog();
    const directory = new FxiaokeDirectory({
      ttlMs: DEFAULTS.peopleCacheTtlSeconds * 1000,
      client: fake({ errorCode: 0, userList: 'nope' }),
      log,
    });
    await expect(directory.search('a', 5)).rejects.toBeInstanceOf(DirectoryAnswerError);
    const mobiles = new FxiaokeDirectory({
      ttlMs: DEFAULTS.peopleCacheTtlSeconds * 1000,
      client: fake({ errorCode: 0, empList: 3 }),
      log,
    });
    await expect(mobiles.findByMobile('138')).rejects.toBeInstanceOf(DirectoryAnswerError);
  });

  it('skips entries without an openUserId, reads isStop leniently and fills missing names', async () => {
    const log = new RecordingLog();
    const users = [
      { openUserId: 'FSUID_A', name: 'Alpha', isStop: 'true' },
      { openUserId: 'FSUID_B', name: null, nickName: 'bee', isStop: 1, mobile: 13800000009 },
      { openUserId: 'FSUID_C' },
      { name: 'No id' },
      'not even an object',
    ];
    const directory = new FxiaokeDirectory({
      ttlMs: DEFAULTS.peopleCacheTtlSeconds * 1000,
      client: fake({ errorCode: 0, userList: users }),
      log,
    });
    const found = await directory.findByIds(['FSUID_A', 'FSUID_B', 'FSUID_C']);
    expect(found.get('FSUID_A')).toMatchObject({ name: 'Alpha', isStop: true });
    expect(found.get('FSUID_B')).toMatchObject({ name: 'bee', isStop: true, mobile: '13800000009' });
    expect(found.get('FSUID_C')).toEqual({ openUserId: 'FSUID_C', name: 'FSUID_C', isStop: false });
    expect(log.entries.find((entry) => entry.level === 'warn')?.details).toEqual({ skipped: 2 });
  });

  it('copes with a large company', async () => {
    const users = generateUsers(20_000, 'Staff');
    const directory = new FxiaokeDirectory({
      ttlMs: DEFAULTS.peopleCacheTtlSeconds * 1000,
      client: fake({ errorCode: 0, userList: users.map((u) => ({ ...u, isStop: false })) }),
      log: new RecordingLog(),
    });
    expect(await directory.search('staff 1999', 5)).toHaveLength(5);
    expect(await directory.findByEmail('staff.20000@example.com')).toHaveLength(1);
  });
});
