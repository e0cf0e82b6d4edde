/**
 * Bolt acks an Events API delivery itself, before any listener runs, so a listener cannot record
 * an event before Slack hears its ack. Doors that must (an ack is a promise: message events that
 * cause work, listeners/events/message-sync.ts) register a hook here instead. This Receiver wraps
 * Bolt's (the seam Bolt offers, as receiver/ack-timing.ts does): every hook runs inside ack(),
 * before the inner ack answers Slack. A hook that throws keeps the ack from being sent, so Slack
 * delivers the event again. Nothing of Bolt is reassigned.
 */
import type { ReceiverEvent } from '@slack/bolt';
import { WrappingReceiver } from './wrapping.js';

/**
 * Runs inside the ack of every delivery, in HTTP and Socket Mode alike. Returns quickly for
 * deliveries it has nothing to record; throws when it could not record, so the ack is withheld.
 */
export type BeforeAck = (event: ReceiverEvent) => Promise<void>;

/** What a door may ask of the receiver when it is registered. */
export interface AckSeam {
  beforeAck(hook: BeforeAck): void;
}

export class RecordBeforeAckReceiver extends WrappingReceiver implements AckSeam {
  readonly #hooks: BeforeAck[] = [];

  beforeAck(hook: BeforeAck): void {
    this.#hooks.push(hook);
  }

  protected wrap(event: ReceiverEvent): ReceiverEvent {
    if (this.#hooks.length === 0) return event;
    const hooks = [...this.#hooks];
    const ack: ReceiverEvent['ack'] = async (response) => {
      for (const hook of hooks) await hook(event);
      return event.ack(response);
    };
    return { ...event, ack };
  }
}
