import { describe, expect, it } from 'vitest';
import { checkRecipients } from '../../src/relay/check.js';
import { mapChatUser, normalizeMobile } from '../../src/relay/people.js';
import { ALICE, BOB, FakePeople, FakeProfiles, GONE, slackProfiles } from './fake-people.js';
import { testRelay } from './relay-deps.js';

describe('normalizeMobile', () => {
  it.each([
    ['13800000001', '13800000001'],
    ['+86 138-0000-0001', '13800000001'],
    ['0086 138 0000 0001', '13800000001'],
    ['(138) 0000 0001', '13800000001'],
    ['+1 (415) 555-0100', '14155550100'],
    ['ext. 12', undefined],
    ['', undefined],
  ])('%j → %j', (input, expected) => {
    expect(normalizeMobile(input)).toBe(expected);
  });
});

describe('mapChatUser', () => {
  const people = new FakePeople([ALICE, BOB, GONE]);
  const map = (userId: string, label?: string) => mapChatUser(userId, label, people, slackProfiles());

  it('finds people by profile e-mail, ignoring case', async () => {
    expect(await map('U0BYMAIL')).toEqual({ ok: true, fxiaokeId: ALICE.openUserId });
  });

  it('finds people by profile phone, formatted as people type it', async () => {
    expect(await map('U0BYPHONE')).toEqual({ ok: true, fxiaokeId: BOB.openUserId });
    expect(people.calls).toContain('mobile:13800000002');
  });

  it('says when the match has left the company', async () => {
    expect(await map('U0GONE')).toMatchObject({
      ok: false,
      who: '@gone',
      reason: expect.stringMatching(/has left/),
    });
  });

  it('names unmapped people by their Slack name and says how to fix it', async () => {
    const stranger = await map('U0STRANGER', 'carol-label');
    expect(stranger).toMatchObject({
      ok: false,
      who: '@carol',
      reason: expect.stringMatching(/no Fxiaoke employee/),
    });
    expect(stranger.ok ? '' : stranger.reason).toContain('slackUsers');
    expect(await map('U0NOCONTACT')).toMatchObject({ reason: expect.stringMatching(/no e-mail or phone/) });
  });

  it('refuses bots, deactivated users and users Slack does not know', async () => {
    expect(await map('U0BOT')).toMatchObject({ ok: false, reason: expect.stringMatching(/bot/) });
    expect(await map('U0DEACT')).toMatchObject({ ok: false, reason: expect.stringMatching(/deactivated/) });
    expect(await map('U0NOBODY', 'ghost')).toMatchObject({
      ok: false,
      who: '@ghost',
      reason: 'Slack does not know this user',
    });
  });

  it('refuses to guess between several active matches', async () => {
    const twins = new FakePeople([ALICE, { ...BOB, email: ALICE.email }]);
    const result = await mapChatUser('U0BYMAIL', undefined, twins, slackProfiles());
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/matches 2 Fxiaoke employees/) });
  });

  it('prefers an active phone match over a departed e-mail match', async () => {
    const profiles = new FakeProfiles([{ id: 'U0BOTH', name: 'both', email: GONE.email, phone: BOB.mobile }]);
    expect(await mapChatUser('U0BOTH', undefined, people, profiles)).toEqual({
      ok: true,
      fxiaokeId: BOB.openUserId,
    });
  });

  it('reports lookups that failed, without throwing', async () => {
    const profiles = slackProfiles();
    profiles.failing.set('U0BYMAIL', new Error('An API error occurred: missing_scope'));
    expect(await mapChatUser('U0BYMAIL', 'al', people, profiles)).toMatchObject({
      ok: false,
      who: '@al',
      reason: expect.stringMatching(/Slack profile could not be read \(.*missing_scope\)/),
    });
    const down = new FakePeople([ALICE]);
    down.failure = new Error('Fxiaoke is down');
    expect(await mapChatUser('U0BYMAIL', undefined, down, slackProfiles())).toMatchObject({
      reason: expect.stringMatching(/address book could not be searched \(Fxiaoke is down\)/),
    });
  });
});

describe('checkRecipients', () => {
  const setup = (people = new FakePeople([ALICE, BOB, GONE])) => {
    const { deps, log } = testRelay();
    return { deps: { ...deps, people }, people, log, profiles: slackProfiles() };
  };

  it('maps mentions through the config file first, without asking anyone', async () => {
    const { deps, people, profiles } = setup();
    expect(await checkRecipients(deps, ['<@U0ALICE|alice>'], profiles)).toEqual({
      ok: true,
      recipients: ['FSUID_ALICE'],
      unreachable: [],
    });
    expect(profiles.asked).toEqual([]);
    expect(people.calls).toEqual(['ids:FSUID_ALICE']);
  });

  it('maps the rest by e-mail and phone, once per Slack user, keeping the order', async () => {
    const { deps, profiles } = setup();
    const check = await checkRecipients(
      deps,
      ['<@U0BYPHONE>', 'sales', '<@U0BYMAIL|a>', '<@U0BYPHONE|bob>'],
      profiles,
    );
    expect(check).toEqual({
      ok: true,
      recipients: [BOB.openUserId, 'FSUID_S1', 'FSUID_S2', ALICE.openUserId],
      unreachable: [],
    });
    expect(profiles.asked.sort()).toEqual(['U0BYMAIL', 'U0BYPHONE']);
  });

  it('leaves unreachable people out and names them, for the sender to confirm', async () => {
    const { deps, profiles } = setup();
    const check = await checkRecipients(deps, ['<@U0BYMAIL>', '<@U0STRANGER>', '<@U0GONE>'], profiles);
    expect(check).toMatchObject({
      ok: true,
      recipients: [ALICE.openUserId],
      unreachable: [
        { input: '@carol', slackUserId: 'U0STRANGER', reason: expect.stringMatching(/no Fxiaoke employee/) },
        { input: '@gone', slackUserId: 'U0GONE', reason: expect.stringMatching(/has left/) },
      ],
    });
  });

  it('catches departed employees named by id or through an alias', async () => {
    const { deps, profiles } = setup();
    const withAlias = {
      ...deps,
      settings: { ...deps.settings, aliases: { team: [ALICE.openUserId, GONE.openUserId] } },
    };
    const check = await checkRecipients(withAlias, ['team', BOB.openUserId], profiles);
    expect(check).toEqual({
      ok: true,
      recipients: [ALICE.openUserId, BOB.openUserId],
      unreachable: [{ input: `Gone Zhao (${GONE.openUserId})`, reason: expect.stringMatching(/has left/) }],
    });
  });

  it('is a plain error when nobody can be reached', async () => {
    const { deps, profiles } = setup();
    expect(await checkRecipients(deps, ['<@U0STRANGER>'], profiles)).toMatchObject({
      ok: false,
      problems: [{ input: '@carol' }],
    });
    expect(await checkRecipients(deps, [GONE.openUserId], profiles)).toMatchObject({
      ok: false,
      problems: [{ input: expect.stringContaining('Gone Zhao') }],
    });
  });

  it('reports typos and unreachable people together', async () => {
    const { deps, profiles } = setup();
    const check = await checkRecipients(deps, ['salez', '<@U0STRANGER>', ALICE.openUserId], profiles);
    expect(check.ok).toBe(false);
    expect(check.ok ? [] : check.problems.map((problem) => problem.input)).toEqual(['salez', '@carol']);
  });

  it('sends to ids the address book does not list, and skips the departed check when it is down', async () => {
    const { deps, people, profiles, log } = setup();
    expect(await checkRecipients(deps, ['FSUID_NOTLISTED'], profiles)).toMatchObject({ ok: true });
    people.failure = new Error('down');
    expect(await checkRecipients(deps, [GONE.openUserId], profiles)).toEqual({
      ok: true,
      recipients: [GONE.openUserId],
      unreachable: [],
    });
    expect(log.messages('warn')).toContain('address book unavailable; departed recipients not checked');
  });

  it('without an address book, mentions resolve through the config file only, as before', async () => {
    const { deps } = testRelay();
    const profiles = new FakeProfiles();
    const check = await checkRecipients(deps, ['<@U0BYMAIL|alice>'], profiles);
    expect(check).toMatchObject({
      ok: false,
      problems: [{ input: '@alice', reason: expect.stringMatching(/slackUsers/) }],
    });
    expect(profiles.asked).toEqual([]);
  });
});
