import { describe, expect, it } from 'vitest';
import {
  describeErrorCode,
  FxiaokeError,
  type FxiaokeErrorKind,
  isFxiaokeError,
} from '../../src/fxiaoke/errors.js';

/** The error table of /work/shared/fxiaoke-openapi.md, code by code. */
const SPEC_TABLE: Array<[number, FxiaokeErrorKind]> = [
  [-1, 'transient'],
  [-2, 'transient'],
  [50009, 'transient'],
  [20016, 'token'],
  [20005, 'token'],
  [20006, 'config'],
  [20015, 'config'],
  [20017, 'config'],
  [10015, 'recipient'],
  [11016, 'recipient'],
  [20012, 'recipient'],
  [30027, 'recipient'],
  [11017, 'bug'],
  [12003, 'bug'],
  [12005, 'empty_content'],
  [14001, 'rate_limited'],
  [30004, 'rate_limited'],
  [30002, 'quota'],
  [20014, 'permission'],
  [20020, 'permission'],
  [20021, 'permission'],
  [20022, 'permission'],
  [20023, 'permission'],
  [15003, 'permission'],
];

describe('describeErrorCode', () => {
  it.each(SPEC_TABLE)('%i → %s', (code, kind) => {
    const info = describeErrorCode(code);
    expect(info.kind).toBe(kind);
    expect(info.meaning.length).toBeGreaterThan(0);
    // A known code has a real explanation, not the generic "unknown code" text.
    expect(info.meaning).not.toContain(String(code));
  });

  it('configuration codes say which setting to check', () => {
    expect(describeErrorCode(20006).meaning).toContain('FXIAOKE_APP_ID');
    expect(describeErrorCode(20006).meaning).toContain('FXIAOKE_APP_SECRET');
    expect(describeErrorCode(20015).meaning).toContain('FXIAOKE_PERMANENT_CODE');
    expect(describeErrorCode(20017).meaning).toContain('FXIAOKE_BASE_URL');
  });

  it('the daily quota says when it resets', () => {
    expect(describeErrorCode(30002).meaning).toContain('00:00 China time');
  });

  it.each([0, 1, 20019, 20024, 40001, 90404, -3])('unknown code %i → unknown, with the code', (code) => {
    const info = describeErrorCode(code);
    expect(info.kind).toBe('unknown');
    expect(info.meaning).toContain(String(code));
  });
});

describe('FxiaokeError', () => {
  it('takes kind and meaning from the error code', () => {
    const error = new FxiaokeError({
      path: '/cgi/message/send',
      errorCode: 20012,
      traceId: 'E-O.827.abc',
      thirdTraceId: '6f1c2a4e-1b2c-4d3e-8f90-123456789abc',
      upstreamMessage: 'user not found',
    });
    expect(error).toBeInstanceOf(Error);
    expect(isFxiaokeError(error)).toBe(true);
    expect(error.name).toBe('FxiaokeError');
    expect(error.code).toBe('fxiaoke_error');
    expect(error.kind).toBe('recipient');
    expect(error.errorCode).toBe(20012);
    expect(error.meaning).toBe(describeErrorCode(20012).meaning);
    expect(error.traceId).toBe('E-O.827.abc');
    expect(error.thirdTraceId).toBe('6f1c2a4e-1b2c-4d3e-8f90-123456789abc');
    expect(error.upstreamMessage).toBe('user not found');
    expect(error.path).toBe('/cgi/message/send');
    expect(error.mayHaveBeenDelivered).toBe(false);
  });

  it('message includes the path, the meaning, the code and the traceId', () => {
    const error = new FxiaokeError({ path: '/cgi/message/send', errorCode: 20012, traceId: 'E-O.827.abc' });
    expect(error.message).toBe(
      `/cgi/message/send: ${describeErrorCode(20012).meaning} (errorCode 20012) [traceId E-O.827.abc]`,
    );
  });

  it('an unknown code shows the code and the traceId so users can report it', () => {
    const error = new FxiaokeError({ path: '/cgi/app/message/revoke', errorCode: 48001, traceId: 'E-O.1.f' });
    expect(error.kind).toBe('unknown');
    expect(error.message).toContain('48001');
    expect(error.message).toContain('E-O.1.f');
  });

  it('a transport failure has no code part and no traceId part', () => {
    const cause = new Error('socket hang up');
    const error = new FxiaokeError({
      path: '/oauth2.0/token',
      kind: 'transport',
      meaning: 'the connection to Fxiaoke failed (ECONNRESET)',
      mayHaveBeenDelivered: true,
      cause,
    });
    expect(error.message).toBe('/oauth2.0/token: the connection to Fxiaoke failed (ECONNRESET)');
    expect(error.errorCode).toBeUndefined();
    expect(error.mayHaveBeenDelivered).toBe(true);
    expect(error.cause).toBe(cause);
  });

  it('an explicit kind and meaning win over the code table', () => {
    const error = new FxiaokeError({ path: '/oauth2.0/token', errorCode: 20016, kind: 'config' });
    expect(error.kind).toBe('config');
    expect(error.meaning).toBe(describeErrorCode(20016).meaning);
  });

  it('without code or kind: unknown, "could not be reached"', () => {
    const error = new FxiaokeError({ path: '/x' });
    expect(error.kind).toBe('unknown');
    expect(error.meaning).toBe('Fxiaoke could not be reached');
  });

  it.each(SPEC_TABLE)('retryable for code %i (%s) only when busy or rate limited', (code, kind) => {
    const error = new FxiaokeError({ path: '/cgi/message/send', errorCode: code });
    expect(error.retryable).toBe(kind === 'transient' || kind === 'rate_limited');
  });

  it('isFxiaokeError rejects other errors and non-errors', () => {
    expect(isFxiaokeError(new Error('x'))).toBe(false);
    expect(isFxiaokeError({ kind: 'transient', errorCode: -1 })).toBe(false);
    expect(isFxiaokeError(undefined)).toBe(false);
  });
});
