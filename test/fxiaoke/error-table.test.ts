/**
 * The one error table (src/fxiaoke/error-table.ts), row by row: every code issue 12 names is there,
 * each row is consistent, and the client really retries (or not) as the row says — checked on the
 * wire against the emulator, for a send and for a call that is safe to repeat.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FxiaokeClient } from '../../src/fxiaoke/client.js';
import { ERROR_CODES, HTTP_STATUSES } from '../../src/fxiaoke/error-table.js';
import { errorRow, FxiaokeError } from '../../src/fxiaoke/errors.js';

/** Issue 12, row 5, plus the codes handled before it. */
const REQUIRED_CODES = [
  -1, -2, 50009, 20016, 20005, 20006, 20015, 20017, 10015, 11016, 20012, 30027, 11017, 12003, 12005, 14001,
  30004, 30002, 20014, 20020, 20021, 20022, 20023, 15003, 10006, 10013, 11014, 10014, 11015, 10001, 10002,
  10012, 11001, 11002, 11013, 30003, 12004, 15002, 32000, 12002, 11008, 11009, 30007,
];

const rows = [...ERROR_CODES.entries()];

describe('the error table', () => {
  it('has a row for every code issue 12 names and for 401, 403 and 429', () => {
    for (const code of REQUIRED_CODES) expect(ERROR_CODES.has(code), String(code)).toBe(true);
    expect([...HTTP_STATUSES.keys()].sort()).toEqual([401, 403, 429]);
  });

  it.each([...rows, ...[...HTTP_STATUSES.entries()].map(([s, row]) => [`HTTP ${s}`, row] as const)])(
    '%s: kind, category and retry rule agree, and the sentence is plain',
    (code, row) => {
      expect(row.meaning.length).toBeGreaterThan(10);
      expect(row.meaning).not.toContain(String(code).replace('HTTP ', 'errorCode '));
      const expected: Record<string, string[]> = {
        token: ['refresh'],
        transient: ['backoff', 'not_on_send'],
        rate_limited: ['backoff'],
      };
      expect(expected[row.kind] ?? ['no'], String(code)).toContain(row.retry);
      if (row.category === 'auth') expect(row.kind).toBe('token');
      if (row.category === 'rate') expect(row.kind).toBe('rate_limited');
      if (row.category === 'quota') expect(row.kind).toBe('quota');
      if (row.category === 'recipient') expect(row.kind).toBe('recipient');
      // A configuration row says what to check: a setting, Fxiaoke admin, or that it is our bug.
      if (row.category === 'config') expect(row.meaning).toMatch(/FXIAOKE_|Fxiaoke admin|bug|permission/);
    },
  );

  it('an unknown code is unknown, not retried, and says its number', () => {
    expect(errorRow(40001)).toMatchObject({ kind: 'unknown', category: 'unknown', retry: 'no' });
    expect(errorRow(40001).meaning).toContain('40001');
  });
});

describe('the client follows each row on the wire', () => {
  let emulator: FxiaokeEmulator;
  let client: FxiaokeClient;
  const MAX_RETRIES = 1;

  beforeAll(async () => {
    emulator = await FxiaokeEmulator.start();
    client = new FxiaokeClient({
      timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
      baseUrl: emulator.url,
      appId: emulator.options.appId,
      appSecret: emulator.options.appSecret,
      permanentCode: emulator.options.permanentCode,
      authMode: 'header',
      userId: '1000',
      retry: { maxRetries: MAX_RETRIES },
      sleep: async () => {},
    });
  });
  afterAll(async () => {
    await client.close();
    await emulator.stop();
  });
  beforeEach(() => emulator.reset());

  /** Send calls a row allows: once, once more after a new token, or 1 + retries. */
  function expectedCalls(retry: string, send: boolean): number {
    if (retry === 'refresh') return 2;
    if (retry === 'backoff' || (retry === 'not_on_send' && !send)) return 1 + MAX_RETRIES;
    return 1;
  }

  it.each(rows)('errorCode %i', async (code, row) => {
    const to = [emulator.users[0]?.openUserId ?? ''];
    emulator.addFault({ path: PATHS.send, fault: { type: 'error', errorCode: code }, times: Infinity });
    const error = await client.sendText(to, 'x').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(FxiaokeError);
    const fx = error as FxiaokeError;
    expect(fx.errorCode).toBe(code);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(expectedCalls(row.retry, true));
    if (row.retry === 'not_on_send') {
      expect(fx.mayHaveBeenDelivered).toBe(true);
      expect(fx.category).toBe('maybe_delivered');
    } else {
      expect(fx.kind).toBe(row.kind);
      expect(fx.category).toBe(row.category);
      expect(fx.meaning).toBe(row.meaning);
    }

    emulator.addFault({ path: PATHS.userList, fault: { type: 'error', errorCode: code }, times: Infinity });
    await client
      .call(PATHS.userList, { departmentId: 999999, fetchChild: true }, { safeToRepeat: true })
      .catch(() => undefined);
    expect(emulator.requestsTo(PATHS.userList)).toHaveLength(expectedCalls(row.retry, false));
  });
});
