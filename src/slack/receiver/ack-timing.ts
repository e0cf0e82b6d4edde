/**
 * Ack latency, measured around Bolt's own ack, in HTTP and Socket Mode alike. A global middleware
 * cannot do it: Bolt hands each middleware a copy of the listener arguments, so an `ack` wrapped
 * there never reaches the listener. Every request reaches the app through the receiver's call of
 * `app.processEvent`, so this Receiver wraps Bolt's (the seam Bolt offers for it): it gives the
 * inner receiver an app whose `processEvent` starts the clock (after the HTTP receiver has checked
 * the signature) and stops it when ack() has answered. Nothing of Bolt is reassigned.
 */
import type { Receiver, ReceiverEvent } from '@slack/bolt';
import { WrappingReceiver } from './wrapping.js';

/** Payload types that label the ack histogram; anything else is `other`, so labels stay few. */
const ACK_TYPES = new Set([
  'block_actions',
  'block_suggestion',
  'message_action',
  'shortcut',
  'view_submission',
  'view_closed',
  'event_callback',
]);

export function ackType(body: Record<string, unknown>): string {
  if (typeof body.command === 'string') return 'slash_command';
  return typeof body.type === 'string' && ACK_TYPES.has(body.type) ? body.type : 'other';
}

export class AckTimingReceiver extends WrappingReceiver {
  constructor(
    inner: Receiver,
    private readonly onAck: (type: string, seconds: number) => void,
  ) {
    super(inner);
  }

  protected wrap(event: ReceiverEvent): ReceiverEvent {
    const started = performance.now();
    const type = ackType(event.body);
    let timed = false;
    const ack: ReceiverEvent['ack'] = async (response) => {
      try {
        return await event.ack(response);
      } finally {
        if (!timed) {
          timed = true;
          this.onAck(type, (performance.now() - started) / 1000);
        }
      }
    };
    return { ...event, ack };
  }
}
