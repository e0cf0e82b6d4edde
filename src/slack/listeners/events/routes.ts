/**
 * Channel routes (config `routes`): `message` events of a `forward: all` channel and
 * `reaction_added` events of a `forward: reaction` one (HTTP or the socket). Bolt acks an event
 * before any listener runs, so the relay is recorded inside the ack (a hook of
 * receiver/record-before-ack.ts): once Slack hears the ack, the relay is in the store and any
 * process carries it out, even after a crash. If the store fails, the ack is withheld and Slack
 * delivers the event again; a second delivery of a recorded message finds it (relay/route.ts).
 */
import type { App } from '@slack/bolt';
import type { RoutedIntake } from '../../../relay/route.js';
import type { ListenerContext } from '../../context.js';
import type { AckSeam } from '../../receiver/record-before-ack.js';
import { routedMessageOf, routedReactionOf } from '../../routes/events.js';

export function registerRoutes(app: App, ctx: ListenerContext, seam: AckSeam): void {
  // Registered even while no channel is routed: admins may route one in App Home (settings/), and
  // each event is checked against the routes in force when it arrives.
  // What each delivery recorded, handed from the ack to the listener (same body object).
  const taken = new WeakMap<object, Taken>();
  seam.beforeAck(async (event) => {
    const intake = await receive(ctx, event.body, event.retryNum);
    if (intake) taken.set(event.body, intake);
  });
  const handOver = async ({ body }: { body: object }) => {
    const intake = taken.get(body);
    if (!intake) return;
    taken.delete(body);
    ctx.jobs.routed(intake.intake, intake.who);
  };
  app.event('message', handOver);
  app.event('reaction_added', handOver);
}

/** What the ack recorded, and who hears of a problem with it. */
interface Taken {
  intake: RoutedIntake;
  who: { channelId: string; userId: string };
}

async function receive(
  ctx: ListenerContext,
  body: Record<string, unknown>,
  retryNum: number | undefined,
): Promise<Taken | undefined> {
  const routes = ctx.relay.settings.routes ?? {};
  if (Object.keys(routes).length === 0) return undefined;
  const routed = (channelId: string) => Object.hasOwn(routes, channelId);
  const reaction = routedReactionOf(body);
  if (reaction) {
    if (!routed(reaction.ref.channelId)) return undefined;
    const intake = await recorded(ctx, () => ctx.relay.receiveRoutedReaction(reaction), body, retryNum);
    return { intake, who: { channelId: reaction.ref.channelId, userId: reaction.reactorId } };
  }
  const reading = routedMessageOf(body, (id) => ctx.profiles?.cachedName(id));
  if (!reading) return undefined;
  if ('skipped' in reading) {
    const channel = (body.event as { channel?: unknown } | undefined)?.channel;
    if (typeof channel === 'string' && routed(channel))
      ctx.logger.debug({ channel, reason: reading.skipped }, 'message in a routed channel not relayed');
    return undefined;
  }
  const { message } = reading;
  if (!routed(message.ref.channelId)) return undefined;
  const intake = await recorded(ctx, () => ctx.relay.receiveRoutedMessage(message), body, retryNum);
  return { intake, who: { channelId: message.ref.channelId, userId: message.authorId } };
}

async function recorded(
  ctx: ListenerContext,
  record: () => Promise<RoutedIntake>,
  body: Record<string, unknown>,
  retryNum: number | undefined,
): Promise<RoutedIntake> {
  try {
    return await record();
  } catch (error) {
    // Not recorded, so not acked: Slack delivers it again.
    ctx.logger.error(
      { err: error, eventId: body.event_id, retryNum },
      'routed message not recorded; not acking it, Slack will retry',
    );
    throw error;
  }
}
