import { describe, expect, it } from 'vitest';
import { failurePage } from '../../src/slack/installs/pages.js';
import {
  InstallStateError,
  SignedOnceStateStore,
  STATE_LIFETIME_MS,
} from '../../src/slack/installs/state-store.js';
import { MemoryInstallations } from '../../src/store/memory-installations.js';

const SECRET = 'state-secret-for-unit-tests-0123456789abcdef';
const OPTIONS = { scopes: ['commands'] };

function claims() {
  const store = new MemoryInstallations(() => 1_000_000);
  return { claimOnce: (name: string, until: number) => store.useOnce(name, until) };
}

async function problemOf(verify: Promise<unknown>): Promise<string> {
  const error = await verify.then(
    () => expect.fail('expected the state to be refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InstallStateError);
  return (error as InstallStateError).problem;
}

describe('SignedOnceStateStore', () => {
  it('gives back the install options once, within ten minutes', async () => {
    const store = new SignedOnceStateStore(SECRET, claims());
    const now = new Date(1_000_000);
    const state = await store.generateStateParam(OPTIONS, now);
    expect(await store.verifyStateParam(new Date(now.getTime() + STATE_LIFETIME_MS - 1), state)).toEqual(
      OPTIONS,
    );
    expect(await problemOf(store.verifyStateParam(now, state))).toBe('replayed');
  });

  it('refuses an expired state, and one signed with another secret or altered', async () => {
    const store = new SignedOnceStateStore(SECRET, claims());
    const now = new Date(1_000_000);
    const state = await store.generateStateParam(OPTIONS, now);
    expect(await problemOf(store.verifyStateParam(new Date(now.getTime() + STATE_LIFETIME_MS), state))).toBe(
      'expired',
    );
    const other = await new SignedOnceStateStore(`${SECRET}x`, claims()).generateStateParam(OPTIONS, now);
    expect(await problemOf(store.verifyStateParam(now, other))).toBe('forged');
    const [body = '', signature = ''] = state.split('.');
    const altered = `${Buffer.from(JSON.stringify({ n: 'x', e: 9e15, o: OPTIONS })).toString('base64url')}.${signature}`;
    expect(await problemOf(store.verifyStateParam(now, altered))).toBe('forged');
    expect(await problemOf(store.verifyStateParam(now, body))).toBe('forged');
  });

  it('says what went wrong on the page, with a 4xx for what the browser sent', () => {
    expect(failurePage(new InstallStateError('expired'))).toMatchObject({
      status: 400,
      text: expect.stringContaining('expired'),
    });
    expect(
      failurePage({ code: 'slack_webapi_platform_error', data: { error: 'invalid_code' } }),
    ).toMatchObject({
      status: 400,
      text: expect.stringContaining('invalid_code'),
    });
    expect(failurePage(new Error('store down')).status).toBe(502);
  });
});
