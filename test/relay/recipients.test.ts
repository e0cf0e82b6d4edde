import { describe, expect, it } from 'vitest';
import { type RecipientDirectory, resolveRecipients } from '../../src/relay/recipients.js';

const directory: RecipientDirectory = {
  aliases: { sales: ['FSUID_S1', 'FSUID_S2'], 'Key.Accounts': ['1001', 'FSUID_S1'] },
  slackUsers: { U0ALICE: 'FSUID_ALICE', W0BOB: '2002' },
};

function resolved(inputs: string[], max = 100): string[] {
  const result = resolveRecipients(inputs, directory, max);
  if (!result.ok) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.recipients;
}

describe('resolveRecipients', () => {
  it('takes openUserIds and numeric employee ids as they are', () => {
    expect(resolved(['FSUID_0A1b2C', '1001', '123456789012345678'])).toEqual([
      'FSUID_0A1b2C',
      '1001',
      '123456789012345678',
    ]);
  });

  it('maps Slack mentions (U and W ids, with or without a label) through slackUsers', () => {
    expect(resolved(['<@U0ALICE|alice>', '<@W0BOB>'])).toEqual(['FSUID_ALICE', '2002']);
  });

  it('expands aliases, matching their names case-insensitively', () => {
    expect(resolved(['SALES'])).toEqual(['FSUID_S1', 'FSUID_S2']);
    expect(resolved(['key.accounts'])).toEqual(['1001', 'FSUID_S1']);
  });

  it('de-duplicates, keeping the first-seen order', () => {
    expect(resolved(['FSUID_S2', 'sales', 'Key.Accounts', '1001', '<@U0ALICE>', 'FSUID_ALICE'])).toEqual([
      'FSUID_S2',
      'FSUID_S1',
      '1001',
      'FSUID_ALICE',
    ]);
  });

  it('reports every input it cannot use, not just the first', () => {
    const result = resolveRecipients(
      ['1001', 'marketing', '<@U0NOBODY|carol>', '<@U0GHOST>', 'FSUID_', 'fsuid_abc', '1234567890123456789'],
      directory,
      100,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((problem) => problem.input)).toEqual([
      'marketing',
      '@carol',
      '<@U0GHOST>',
      'FSUID_',
      'fsuid_abc',
      '1234567890123456789',
    ]);
    expect(result.problems[1]?.reason).toMatch(/not mapped to a Fxiaoke employee/);
    expect(result.problems[0]?.reason).toMatch(/not an FSUID_… openUserId/);
  });

  it('does not take a malformed mention or an id with spaces', () => {
    for (const input of ['<@u0alice>', '<@U0ALICE', '@alice', '<#C0CHAN|general>', 'FSUID_A 1', ' 1001']) {
      expect(resolveRecipients([input], directory, 100).ok, input).toBe(false);
    }
  });

  it('does not reach into the prototype of the directory objects', () => {
    expect(resolveRecipients(['constructor', '__proto__', 'toString'], directory, 100).ok).toBe(false);
  });

  it('counts the limit on resolved, de-duplicated recipients', () => {
    expect(resolved(['sales', 'FSUID_S1'], 2)).toEqual(['FSUID_S1', 'FSUID_S2']);
    const result = resolveRecipients(['sales', '1001'], directory, 2);
    expect(result).toEqual({
      ok: false,
      problems: [{ input: 'sales,1001', reason: 'that is 3 recipients; one relay may have at most 2' }],
    });
  });

  it('reports unusable inputs before counting', () => {
    const result = resolveRecipients(['sales', 'nobody'], directory, 1);
    expect(result.ok === false && result.problems.map((problem) => problem.input)).toEqual(['nobody']);
  });
});
