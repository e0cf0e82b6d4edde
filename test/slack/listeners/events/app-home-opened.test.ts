import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { HomeViewers } from '../../../../src/slack/home/viewers.js';
import { appHomeOpened } from '../../../../src/slack/listeners/events/app-home-opened.js';
import { door, SENDER, sentRecord, textsOf } from '../door-kit.js';

function opened(tab: string | undefined) {
  const event = { type: 'app_home_opened', user: SENDER, channel: 'D0HOME', ...(tab ? { tab } : {}) };
  return event;
}

describe('app_home_opened', () => {
  it('publishes the user’s recent relays and remembers that they look at the Home', async () => {
    const mine = sentRecord({ text: 'the quote' });
    const viewers = new HomeViewers();
    const d = door({ listFor: async () => ({ admin: false, records: [mine] }) }, { homeViewers: viewers });
    const event = opened('home');
    // Only the fields the listener reads: Bolt's full argument object has many more.
    const args = {
      event,
      body: { event },
      client: d.client,
    } as unknown as SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;
    await appHomeOpened(d.ctx)(args);
    expect(d.relay.calls[0]?.args).toEqual([SENDER, 20]);
    const [home] = d.callsTo('views.publish');
    expect(home?.args.user_id).toBe(SENDER);
    expect(textsOf(home)).toContain('the quote');
    expect(textsOf(home)).toContain(mine.id);
    expect(viewers.looksAtHome(SENDER)).toBe(true);
  });

  it('ignores the Messages tab', async () => {
    const viewers = new HomeViewers();
    const d = door({}, { homeViewers: viewers });
    const event = opened('messages');
    const args = {
      event,
      body: { event },
      client: d.client,
    } as unknown as SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;
    await appHomeOpened(d.ctx)(args);
    expect(d.client.calls).toEqual([]);
    expect(viewers.looksAtHome(SENDER)).toBe(false);
  });
});
