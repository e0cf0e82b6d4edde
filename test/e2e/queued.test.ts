/** A burst beyond Fxiaoke's rate budget is queued, not failed, and the sender is told so. */
import { afterEach, describe, expect, it } from 'vitest';
import { generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { Harness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

// One send call per 1.2 s: the second call of a relay (or the next relay) waits about that long.
const SLOW_BUDGET = { FXIAOKE_RATE_LIMIT_CALLS: '1', FXIAOKE_RATE_LIMIT_WINDOW_MS: '1200' };

describe('queued for the rate limit', () => {
  it('tells the sender privately when their relay waits before anything was sent', async () => {
    harness = await Harness.start({ env: SLOW_BUDGET });
    const user = harness.emulator.options.users[0]!;
    await harness.command(`${user.openUserId} first takes the slot`);
    const second = await harness.command(`${user.openUserId} second waits`);
    const [notice] = await harness.responsesTo(second.responseUrl);
    expect(notice).toMatch(/Queued: your message goes out in about \d+ s/);
    const metrics = await (await fetch(`${harness.baseUrl}/metrics`)).text();
    expect(metrics).toContain('fxbridge_fxiaoke_rate_limit_queue 1'); // told before the wait ends
    await harness.slack.waitFor(() => harness!.emulator.messages.length === 2, 8000);
    expect(
      harness.emulator.requests.filter((r) => (r.response as { errorCode?: number })?.errorCode === 30004),
    ).toEqual([]);
  });

  it('shows "batch k of n" queued on the receipt of a large fan-out, then the final status', async () => {
    const users = generateUsers(1200);
    harness = await Harness.start({
      env: SLOW_BUDGET,
      emulator: { users },
      fileConfig: `aliases:\n  all: [${users.map((u) => u.openUserId).join(', ')}]\n`,
    });
    const before = harness.slack.messages.length;
    await harness.command('all three batches, paced');
    const receipt = await harness.receiptAfter(before);
    const settled = await harness.settledRelayFor(receipt, 10_000);
    expect(settled.status).toBe('sent');
    // The receipt is updated right after the final write; wait for that update.
    const shown = harness.slack.message(receipt.channel, receipt.ts)!;
    await harness.slack.waitFor(() =>
      JSON.stringify(shown.updates.at(-1)?.blocks).includes(':white_check_mark: Sent'),
    );
    const texts = shown.updates.map((update) => JSON.stringify(update.blocks));
    expect(texts.some((text) => /Queued: batch [23] of 3 goes out in about \d+ s/.test(text))).toBe(true);
    expect(texts.at(-1)).not.toContain('Queued');
  }, 15_000);
});
