/** What a refused sender is told: the rule, whom to ask, how long to wait. */
import { describe, expect, it } from 'vitest';
import type { SendAccessPolicy } from '../../../src/relay/access.js';
import type { SendRefusal } from '../../../src/relay/admission.js';
import { submissionRefusal } from '../../../src/slack/compose/admission.js';
import { sendRefusalInline, sendRefusalText } from '../../../src/slack/replies/results.js';

function notAllowed(
  reason: 'channel' | 'not_listed',
  policy: Partial<SendAccessPolicy>,
  admins: string[] = ['U0ADMIN'],
): SendRefusal {
  return {
    kind: 'not_allowed',
    reason,
    policy: { users: [], userGroups: [], channels: [], ...policy },
    admins,
  };
}

const rateLimited: SendRefusal = { kind: 'rate_limited', limit: 20, windowMs: 60_000, retryAfterMs: 11_200 };

describe('sendRefusalText', () => {
  it('names the groups, the channel and the admins to ask', () => {
    expect(
      sendRefusalText(notAllowed('not_listed', { userGroups: ['S0LEADS'], channels: ['C0RELAYS'] })),
    ).toBe(
      ':no_entry: Nothing was sent: only members of <!subteam^S0LEADS> can send to Fxiaoke, and only from <#C0RELAYS>. Ask an fx-bridge admin (<@U0ADMIN>) for access.',
    );
  });

  it('names listed people and several groups', () => {
    const text = sendRefusalText(
      notAllowed('not_listed', { users: ['U0A', 'U0B'], userGroups: ['S0X', 'S0Y'] }, ['U0M', 'U0N']),
    );
    expect(text).toContain('only <@U0A>, <@U0B> and members of <!subteam^S0X> or <!subteam^S0Y> can send');
    expect(text).toContain('Ask an fx-bridge admin (<@U0M> or <@U0N>) for access.');
  });

  it('does not list a crowd', () => {
    const users = Array.from({ length: 8 }, (_, i) => `U0P${i}`);
    const text = sendRefusalText(notAllowed('not_listed', { users }));
    expect(text).toContain('<@U0P4> and 3 others can send');
    expect(text).not.toContain('U0P5');
  });

  it('says where relays may start when the channel is wrong', () => {
    expect(sendRefusalText(notAllowed('channel', { channels: ['C0A', 'C0B'] }, []))).toBe(
      ':no_entry: Nothing was sent: fx-bridge relays to Fxiaoke only from <#C0A> or <#C0B>. Send from there, or ask whoever runs fx-bridge to add this conversation.',
    );
    expect(sendRefusalText(notAllowed('channel', { channels: ['C0A'], userGroups: ['S0LEADS'] }))).toContain(
      'Only members of <!subteam^S0LEADS> can send.',
    );
  });

  it('asks to try again when group membership could not be checked', () => {
    expect(sendRefusalText({ kind: 'group_lookup_failed' })).toContain(
      'could not check your user group membership with Slack. Try again in a moment.',
    );
  });

  it('says how long to wait, rounded up to the second', () => {
    expect(sendRefusalText(rateLimited)).toBe(
      ':hourglass_flowing_sand: Nothing was sent: you have started 20 relays in the last minute, the most fx-bridge allows per person. Try again in 12 s.',
    );
    expect(sendRefusalInline(rateLimited)).toBe(
      'You have started 20 relays in the last minute, the most fx-bridge allows per person. Wait 12 s and press Send again.',
    );
  });
});

describe('submissionRefusal', () => {
  it('turns the modal into the refusal when the sender may not send at all', () => {
    const answer = submissionRefusal(notAllowed('not_listed', { userGroups: ['S0LEADS'] }));
    expect(answer.response_action).toBe('update');
    expect(JSON.stringify(answer)).toContain('<!subteam^S0LEADS>');
  });

  it('keeps the modal with an inline error when waiting or retrying will do', () => {
    expect(submissionRefusal(rateLimited)).toEqual({
      response_action: 'errors',
      errors: { message: expect.stringContaining('Wait 12 s') },
    });
    expect(submissionRefusal({ kind: 'group_lookup_failed' })).toEqual({
      response_action: 'errors',
      errors: { message: expect.stringContaining('could not check your user group membership') },
    });
  });
});
