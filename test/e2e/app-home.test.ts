/**
 * App Home: app_home_opened publishes the user's recent relays (everyone's for admins) with
 * Revoke buttons; the Home is refreshed after each send or revoke by that user; Revoke in the
 * Home tab (no response_url) answers in the Home itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { CHANNEL_ID, Harness, SENDER_ID } from './harness.js';
import { clickInHome, openHome, publishedHome, type SlackView, viewText } from './people-requests.js';

const [U0, U1] = defaultUsers();
const ADMIN = 'U0ADMIN';
const OTHER = 'U0OTHER';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function relay(h: Harness, text: string, userId = SENDER_ID) {
  const before = h.slack.messages.length;
  await h.command(`${U0!.openUserId},${U1!.openUserId} ${text}`, {
    user_id: userId,
    user_name: userId.toLowerCase(),
  });
  return h.settledRelayFor(await h.receiptAfter(before));
}

async function homeAfterOpen(h: Harness, userId: string): Promise<SlackView> {
  // Sends refresh their sender's Home in the background: wait for a publish for this user.
  const publishesFor = () => h.slack.callsTo('views.publish').filter((call) => call.body.user_id === userId);
  const before = publishesFor().length;
  const response = await openHome(h, userId);
  expect(response.status).toBe(200);
  await h.slack.waitFor(() => publishesFor().length > before);
  return publishedHome(h, userId)!;
}

function revokeButtons(view: SlackView): string[] {
  return view.blocks.flatMap((entry) =>
    entry.accessory?.action_id === 'fx_revoke' && entry.accessory.value ? [entry.accessory.value] : [],
  );
}

describe('App Home', () => {
  it('lists a user’s own recent relays, newest first, with time, preview, count, status, traceId and Revoke', async () => {
    harness = await Harness.start({ fileConfig: `admins: [${ADMIN}]\n` });
    const h = harness;
    const first = await relay(h, 'First *quote*');
    const second = await relay(h, 'Second quote');
    const others = await relay(h, 'Not yours', OTHER);

    const home = await homeAfterOpen(h, SENDER_ID);
    const text = viewText(home);
    expect(home.type).toBe('home');
    expect(text).toContain('Your recent relays');
    expect(text.indexOf(second.id)).toBeLessThan(text.indexOf(first.id));
    expect(text).not.toContain(others.id);
    expect(text).toContain('First quote'); // the relayed text, not the mrkdwn
    expect(text).toContain('2 recipients');
    expect(text).toContain('Sent');
    expect(text).toContain(first.batches[0]!.traceId!);
    expect(text).toContain(`<!date^${Math.floor(first.createdAt / 1000)}^`);
    expect(revokeButtons(home)).toEqual([second.id, first.id]);
  });

  it('shows admins everyone’s relays with the sender, and ignores the Messages tab', async () => {
    harness = await Harness.start({ fileConfig: `admins: [${ADMIN}]\n` });
    const h = harness;
    const mine = await relay(h, 'from the sender');
    const theirs = await relay(h, 'from someone else', OTHER);
    const home = await homeAfterOpen(h, ADMIN);
    expect(viewText(home)).toContain('Recent relays — everyone');
    expect(viewText(home)).toContain(`from <@${SENDER_ID}>`);
    expect(revokeButtons(home)).toEqual([theirs.id, mine.id]);

    const before = h.slack.callsTo('views.publish').length;
    await openHome(h, ADMIN, 'messages');
    // A later open of the Home tab is published; a publish for the Messages tab would have come first.
    await openHome(h, ADMIN, 'home');
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').length > before);
    await h.bridge.slack.jobs.idle();
    expect(h.slack.callsTo('views.publish')).toHaveLength(before + 1);
  });

  it('says so when there is nothing yet', async () => {
    harness = await Harness.start();
    const home = await homeAfterOpen(harness, 'U0NEWBIE');
    expect(viewText(home)).toContain('Nothing relayed yet');
    expect(revokeButtons(home)).toEqual([]);
  });

  it('is refreshed after a send and after a revoke by a user who opened it', async () => {
    harness = await Harness.start();
    const h = harness;
    await homeAfterOpen(h, SENDER_ID);
    const record = await relay(h, 'refresh me');
    await h.slack.waitFor(() => viewText(publishedHome(h, SENDER_ID) ?? { blocks: [] }).includes(record.id));
    const { responseUrl } = await h.revokeByButton(record.id, CHANNEL_ID, record.slack!.ts);
    await h.responsesTo(responseUrl);
    await h.slack.waitFor(() => viewText(publishedHome(h, SENDER_ID) ?? { blocks: [] }).includes('Revoked'));
    expect(revokeButtons(publishedHome(h, SENDER_ID)!)).toEqual([]);
  });

  it('is not published after a send for someone who never opened it (one Slack call per relay saved)', async () => {
    harness = await Harness.start();
    const h = harness;
    await relay(h, 'nobody looks');
    await homeAfterOpen(h, OTHER); // a publish after OTHER's open: anything before it has happened
    const record = await relay(h, 'nobody looks either');
    // A refresh follows the relay in its own job: once the bridge has nothing left to do, it would have come.
    await h.bridge.slack.jobs.idle();
    expect(h.slack.callsTo('views.publish').map((call) => call.body.user_id)).toEqual([OTHER]);
    // Once they open it, it shows the relays, and the next send refreshes it.
    const home = await homeAfterOpen(h, SENDER_ID);
    expect(viewText(home)).toContain(record.id);
    const next = await relay(h, 'now it refreshes');
    await h.slack.waitFor(() => viewText(publishedHome(h, SENDER_ID) ?? { blocks: [] }).includes(next.id));
  });

  it('revokes from the Home tab and answers there; others may not, admins may', async () => {
    harness = await Harness.start({ fileConfig: `admins: [${ADMIN}]\n` });
    const h = harness;
    const mine = await relay(h, 'take me back');
    const another = await relay(h, 'and me');

    await clickInHome(h, 'fx_revoke', mine.id, OTHER);
    await h.slack.waitFor(() =>
      viewText(publishedHome(h, OTHER) ?? { blocks: [] }).includes('Only <@U0SENDER>'),
    );
    expect(h.emulator.messages.every((message) => !message.revoked)).toBe(true);

    await clickInHome(h, 'fx_revoke', mine.id);
    await h.slack.waitFor(() =>
      viewText(publishedHome(h, SENDER_ID) ?? { blocks: [] }).includes('Revoked relay'),
    );
    expect(h.emulator.messages.map((message) => message.revoked)).toEqual([true, false]);
    // The receipt in the channel shows it too.
    const receipt = h.slack.message(CHANNEL_ID, mine.slack!.ts)!;
    expect(JSON.stringify(receipt.blocks)).toContain('Revoked');

    await clickInHome(h, 'fx_revoke', another.id, ADMIN);
    await h.slack.waitFor(() =>
      viewText(publishedHome(h, ADMIN) ?? { blocks: [] }).includes('Revoked relay'),
    );
    expect(h.emulator.messages.map((message) => message.revoked)).toEqual([true, true]);
  });
});
