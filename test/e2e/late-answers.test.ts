/**
 * Issue 17, item 4: an answer that comes after its response_url is gone (Slack allows 5 uses
 * within 30 minutes, then answers 404 `expired_url` / `used_url`) still reaches the sender, as an
 * ephemeral in the channel (else a DM), instead of vanishing into the expired URL. Through a real
 * bridge, the strict emulator and the fake Slack, which expires the URL as Slack would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CODE, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import type { SlackApiCall } from '../../dev/fakes/slack-api.js';
import { blockActionPayload, sendInteraction, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { CHANNEL_ID, Harness, SENDER_ID } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

// One send call per 1.2 s: the second relay waits for the first one's slot.
const SLOW_BUDGET = { FXIAOKE_RATE_LIMIT_CALLS: '1', FXIAOKE_RATE_LIMIT_WINDOW_MS: '1200' };

function ephemeralsTo(h: Harness, userId: string): SlackApiCall[] {
  return h.slack.callsTo('chat.postEphemeral').filter((call) => call.body.user === userId);
}

describe('an answer after the response_url is gone', () => {
  it('a relay that waited past its response_url and then failed tells its sender in the channel', async () => {
    harness = await Harness.start({ env: SLOW_BUDGET });
    const h = harness;
    const user = h.emulator.options.users[0]!;
    await h.command(`${user.openUserId} first takes the slot`);
    await h.slack.waitFor(() => h.emulator.messages.length === 1);
    // The next send is refused for good (today's quota), after it waited for the rate limit.
    h.emulator.addFault({
      path: PATHS.appSend,
      fault: { type: 'error', errorCode: CODE.DAILY_QUOTA_EXCEEDED },
    });
    // Its response_url is past its 30 minutes by the time anything is answered.
    const responseUrl = h.slack.responseUrl();
    h.slack.expireResponseUrl(responseUrl);
    await h.command(`${user.openUserId} second waits, then fails`, { response_url: responseUrl });

    const told = await h.slack.waitFor(
      () => ephemeralsTo(h, SENDER_ID).find((call) => String(call.body.text).includes('did not accept')),
      8000,
    );
    const refused = h.emulator.requestsTo(PATHS.appSend).at(-1)!.response as { traceId: string };
    expect(told.body.channel).toBe(CHANNEL_ID);
    expect(told.body.text).toContain(`errorCode ${CODE.DAILY_QUOTA_EXCEEDED}`);
    expect(told.body.text).toContain(refused.traceId);
    // Its last word is the failure, not "Queued".
    expect(String(ephemeralsTo(h, SENDER_ID).at(-1)?.body.text)).toContain('did not accept');
    // Once Slack said the URL is gone, no later answer tries it again.
    expect(h.slack.responsesTo(responseUrl).length).toBeLessThanOrEqual(1);
    expect(h.emulator.messages).toHaveLength(1);
  });

  it('a revoke answered after the button’s response_url expired is told in the channel', async () => {
    harness = await Harness.start();
    const h = harness;
    const before = h.slack.messages.length;
    await h.command(`${h.emulator.options.users[0]!.openUserId} Quote is ready`);
    const receipt = await h.receiptAfter(before);
    const record = await h.settledRelayFor(receipt);

    const responseUrl = h.slack.responseUrl();
    h.slack.expireResponseUrl(responseUrl);
    await sendInteraction(
      h.eventsUrl,
      TEST_SIGNING_SECRET,
      blockActionPayload({
        actionId: 'fx_revoke',
        value: record.id,
        userId: SENDER_ID,
        channelId: receipt.channel,
        messageTs: receipt.ts,
        responseUrl,
      }),
    );
    const told = await h.slack.waitFor(() =>
      ephemeralsTo(h, SENDER_ID).find((call) => String(call.body.text).includes('Revoked relay')),
    );
    expect(told.body.channel).toBe(receipt.channel);
    expect(h.slack.responsesTo(responseUrl)).toHaveLength(1); // tried once, answered expired_url
    expect(h.emulator.messages[0]!.revoked).toBe(true);
  });
});
