/**
 * A channel route added by an admin in App Home, on a bridge that started with no route at all:
 * the channel's next message is relayed, with no restart; a route taken away again stops it.
 * Real Bolt app over signed HTTP, the emulator, the fake Slack, a real SQLite file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import {
  sendInteraction,
  TEAM_ID,
  TEST_SIGNING_SECRET,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import { Harness } from './harness.js';
import { AUTHOR, postMessage, routedRelay, SALES } from './route-requests.js';

const [U0] = defaultUsers();
const ADMIN = 'U0ADMIN';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function submitRoutes(h: Harness, yaml: string) {
  return sendInteraction(
    h.eventsUrl,
    TEST_SIGNING_SECRET,
    viewSubmissionPayload({
      callbackId: 'fx_settings_modal',
      privateMetadata: 'routes',
      userId: ADMIN,
      values: { fx_settings_yaml: { fx_settings_yaml: { type: 'plain_text_input', value: yaml } } },
    }),
  );
}

describe('a channel route set in App Home', () => {
  it('relays the channel’s next message on a bridge started without routes, and stops once taken away', async () => {
    harness = await Harness.start({ fileConfig: `admins: [${ADMIN}]\n` });
    const h = harness;
    h.slack.addUser({ id: AUTHOR, name: 'ana' });

    const saved = await submitRoutes(h, `${SALES}: { to: ["${U0!.openUserId}"], forward: all }`);
    expect(saved.body).toBe('');
    const { ts } = await postMessage(h, { text: 'Routed from App Home' });
    const record = await routedRelay(h, SALES, ts);
    expect(record.senderId).toBe(AUTHOR);
    expect(h.emulator.messages.map((message) => message.toUser)).toEqual([[U0!.openUserId]]);

    // Emptied: the config file's routes (none) are in force again.
    expect((await submitRoutes(h, '')).body).toBe('');
    const later = await postMessage(h, { text: 'Not routed any more' });
    expect(later.response.status).toBe(200);
    expect(
      await h.bridge.store.findBySlackMessage({ teamId: TEAM_ID, channelId: SALES, ts: later.ts }),
    ).toBeUndefined();
    expect(h.emulator.messages).toHaveLength(1);
  });
});
