/** The config file's `access` and `limits` sections: defaults, the parsed shape, clear errors. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FILE_CONFIG, parseFileConfig } from '../src/config.js';

function parse(yaml: string): { file: ReturnType<typeof parseFileConfig>; problems: string[] } {
  const problems: string[] = [];
  const file = parseFileConfig(yaml, 'FX_BRIDGE_CONFIG (fx.yml)', problems);
  return { file, problems };
}

describe('config file: access and limits', () => {
  it('defaults to everyone may send, 20 sends per user per minute', () => {
    expect(DEFAULT_FILE_CONFIG.access).toEqual({ send: { users: [], userGroups: [], channels: [] } });
    expect(DEFAULT_FILE_CONFIG.limits).toEqual({ sendsPerUserPerMinute: 20 });
    for (const yaml of ['', 'access: {}', 'access: { send: {} }', 'limits: {}']) {
      const { file, problems } = parse(yaml);
      expect(problems).toEqual([]);
      expect(file.access).toEqual(DEFAULT_FILE_CONFIG.access);
      expect(file.limits).toEqual(DEFAULT_FILE_CONFIG.limits);
    }
  });

  it('reads users, user groups, channels and the limit (0 = no limit)', () => {
    const { file, problems } = parse(
      [
        'access:',
        '  send:',
        '    users: [U0LEAD, W0ENTERPRISE]',
        '    userGroups: [S0SALESLEADS]',
        '    channels: [C0RELAYS, G0PRIVATE, D0DIRECT]',
        'limits:',
        '  sendsPerUserPerMinute: 0',
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    expect(file.access.send).toEqual({
      users: ['U0LEAD', 'W0ENTERPRISE'],
      userGroups: ['S0SALESLEADS'],
      channels: ['C0RELAYS', 'G0PRIVATE', 'D0DIRECT'],
    });
    expect(file.limits.sendsPerUserPerMinute).toBe(0);
  });

  it('names the key and says where to find the id when a name is given instead', () => {
    const { problems } = parse(
      'access:\n  send:\n    users: ["@ana"]\n    userGroups: ["@sales-leads"]\n    channels: ["#fx-relays"]\n',
    );
    expect(problems).toEqual([
      'FX_BRIDGE_CONFIG (fx.yml): access.send.users.0: users are Slack user ids such as U012ABC, not @names',
      'FX_BRIDGE_CONFIG (fx.yml): access.send.userGroups.0: userGroups are Slack user group ids such as S012ABC (the group in Slack → ⋯ → Copy group ID), not @handles',
      'FX_BRIDGE_CONFIG (fx.yml): access.send.channels.0: channels are Slack channel ids such as C012ABC (channel details → About → Channel ID), not #names',
    ]);
  });

  it('rejects a bad limit and unknown keys, naming them', () => {
    expect(parse('limits: { sendsPerUserPerMinute: -1 }').problems).toEqual([
      'FX_BRIDGE_CONFIG (fx.yml): limits.sendsPerUserPerMinute: sendsPerUserPerMinute must be 0 (no limit) or more',
    ]);
    expect(parse('limits: { sendsPerUserPerMinute: 2.5 }').problems[0]).toContain('whole number');
    expect(parse('limits: { sendsPerUserPerMinute: lots }').problems[0]).toContain('must be a number');
    expect(parse('access: { revoke: [U0A] }').problems[0]).toMatch(/access: Unrecognized key: "revoke"/);
    expect(parse('access: { send: { user: [U0A] } }').problems[0]).toMatch(/access\.send: .*"user"/);
    expect(parse('limits: { sendsPerMinute: 5 }').problems[0]).toMatch(/limits: .*"sendsPerMinute"/);
  });
});
