/**
 * `message` events with subtypes `message_changed` / `message_deleted` (HTTP or the socket): the
 * door for edits and deletes of relayed messages. Bolt acks an event before any listener runs,
 * so the recording happens inside the ack (a hook of receiver/record-before-ack.ts): the work an
 * event causes is in the store (relay/sync.ts) before Slack hears the ack — also for a relay busy
 * right now, whose change waits beside the work. If the store fails, the ack is not sent and Slack
 * delivers the event again (it retries up to 3 times); a second delivery of a recorded event finds
 * its event id there.
 */
import type { App } from '@slack/bolt';
import type { SyncIntake } from '../../../relay/sync.js';
import type { ListenerContext } from '../../context.js';
import type { AckSeam } from '../../receiver/record-before-ack.js';
import { messageChangeOf } from '../../sync/events.js';

export function registerMessageSync(app: App, ctx: ListenerContext, seam: AckSeam): void {
  // What each delivery recorded, handed from the ack to the listener (same body object).
  const recorded = new WeakMap<object, SyncIntake[]>();
  seam.beforeAck(async (event) => {
    const change = messageChangeOf(event.body, (id) => ctx.profiles?.cachedName(id));
    if (!change) return;
    try {
      recorded.set(event.body, await ctx.relay.sync.receiveMessageChange(change));
    } catch (error) {
      // Not recorded, so not acked: Slack delivers it again.
      ctx.logger.error(
        { err: error, eventId: change.eventId, retryNum: event.retryNum },
        'message event not recorded; not acking it, Slack will retry',
      );
      throw error;
    }
  });

  app.event('message', async ({ body }) => {
    const intakes = recorded.get(body);
    if (!intakes) return;
    recorded.delete(body);
    ctx.jobs.sync.handle(intakes);
  });
}
