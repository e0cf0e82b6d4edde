import { createHash } from 'node:crypto';
import type { EmulatorDepartment, EmulatorUser } from './types.js';

/** Department id that stands for "the whole company" in the address-book calls. */
export const ROOT_DEPARTMENT_ID = 999999;
/** Department every generated user belongs to. */
export const DEFAULT_DEPARTMENT_ID = 1001;

function openUserIdFor(seed: string): string {
  return `FSUID_${createHash('md5').update(seed).digest('hex').toUpperCase()}`;
}

/**
 * Deterministic users: openUserId `FSUID_<32 hex>` derived from prefix and index, employeeId
 * String(1000 + index) (so the first one is '1000'), mobile 138 + 8 digits, email on example.com.
 * employeeIds and mobiles depend only on the index: pass `startIndex` to combine several batches.
 */
export function generateUsers(n: number, prefix = 'Test User', startIndex = 0): EmulatorUser[] {
  const slug =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '.')
      .replace(/^\.|\.$/g, '') || 'user';
  const users: EmulatorUser[] = [];
  for (let i = startIndex; i < startIndex + n; i++) {
    users.push({
      openUserId: openUserIdFor(`${prefix}:${i}`),
      employeeId: String(1000 + i),
      name: `${prefix} ${i + 1}`,
      nickName: `${slug}${i + 1}`,
      mobile: `138${String(i + 1).padStart(8, '0')}`,
      email: `${slug}.${i + 1}@example.com`,
      isStop: false,
      departmentIds: [DEFAULT_DEPARTMENT_ID],
    });
  }
  return users;
}

/** Default directory: generateUsers(5) (employeeIds 1000–1004) plus one stopped user (employeeId 1999). */
export function defaultUsers(): EmulatorUser[] {
  return [
    ...generateUsers(5),
    {
      openUserId: openUserIdFor('Stopped User'),
      employeeId: '1999',
      name: 'Stopped User',
      nickName: 'stopped',
      mobile: '13900000000',
      email: 'stopped@example.com',
      isStop: true,
      departmentIds: [DEFAULT_DEPARTMENT_ID],
    },
  ];
}

/** The user as `/cgi/user/list`, `/cgi/user/get` and `/cgi/user/getByMobile` show it. */
export function fullUserView(user: EmulatorUser): Record<string, unknown> {
  return {
    openUserId: user.openUserId,
    name: user.name,
    nickName: user.nickName ?? user.name,
    email: user.email ?? '',
    mobile: user.mobile ?? '',
    isStop: user.isStop ?? false,
    departmentIds: user.departmentIds ?? [],
    // What public models of the list carry (heartshuai/fxiaoke src/FXK.php, openfxiaoke/demo
    // beans/results/User.java); neither is known to be the CRM employee id.
    account: user.email ?? user.openUserId,
    ...(user.fields ?? {}),
  };
}

/** The user as `/cgi/user/simpleList` shows it. */
export function simpleUserView(user: EmulatorUser): Record<string, unknown> {
  return { openUserId: user.openUserId, name: user.name, nickName: user.nickName ?? user.name };
}

/**
 * A company with departments, for tests and the demo. Sales (1001) › Sales East (1002) › Shanghai
 * (1004); Sales West (1003, stopped); two departments called "Support" (2001 at the top, 2002 under
 * Sales). Sales East has `salesEast` people of its own (the last of them departed), Shanghai two,
 * Sales West one, each Support one. Openusers are generated per department, so ids never clash.
 */
export function departmentCompany(options: { salesEast?: number } = {}): {
  users: EmulatorUser[];
  departments: EmulatorDepartment[];
} {
  const inDepartment = (users: EmulatorUser[], id: number) =>
    users.map((user) => ({ ...user, departmentIds: [id] }));
  const east = inDepartment(generateUsers(options.salesEast ?? 4, 'Sales East', 10_000), 1002);
  const last = east.at(-1);
  if (last) last.isStop = true;
  return {
    users: [
      ...defaultUsers(),
      ...east,
      ...inDepartment(generateUsers(2, 'Shanghai', 20_000), 1004),
      ...inDepartment(generateUsers(1, 'Sales West', 20_100), 1003),
      ...inDepartment(generateUsers(1, 'Support Top', 20_200), 2001),
      ...inDepartment(generateUsers(1, 'Support Sales', 20_300), 2002),
    ],
    departments: [
      { id: DEFAULT_DEPARTMENT_ID, name: 'Sales', parentId: ROOT_DEPARTMENT_ID },
      { id: 1002, name: 'Sales East', parentId: DEFAULT_DEPARTMENT_ID },
      { id: 1003, name: 'Sales West', parentId: DEFAULT_DEPARTMENT_ID, isStop: true },
      { id: 1004, name: 'Shanghai', parentId: 1002 },
      { id: 2001, name: 'Support', parentId: ROOT_DEPARTMENT_ID },
      { id: 2002, name: 'Support', parentId: DEFAULT_DEPARTMENT_ID },
    ],
  };
}
