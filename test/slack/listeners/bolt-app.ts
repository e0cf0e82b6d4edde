/**
 * A Bolt app as a door's `register…(app, ctx, seam)` sees it, for doors that are not a single
 * exported listener (the message-sync door is a hook on the ack plus a listener; the update buttons
 * are three actions). It keeps what the door registers, and delivers events the way Bolt does: an
 * Events API delivery is acked before any listener runs (App.processEvent), and the ack goes
 * through the real RecordBeforeAckReceiver, so the door's hook runs inside it. No HTTP, no socket.
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { RecordBeforeAckReceiver } from '../../../src/slack/receiver/record-before-ack.js';
import type { Door } from './door-kit.js';

// Bolt's listener arguments are wide; a test passes the fields the door reads.
type Listener = (args: Record<string, unknown>) => Promise<void>;

/** The inner receiver (Bolt's HTTP or socket one): it hands each delivery to the app it was given. */
class InnerReceiver implements Receiver {
  app: App | undefined;
  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  deliver(event: ReceiverEvent): Promise<void> {
    if (!this.app) throw new Error('the receiver was not initialised');
    return this.app.processEvent(event);
  }
}

export interface Delivered {
  /** Whether Slack heard the ack. Withheld: Slack delivers the event again. */
  acked: boolean;
  /** What kept the ack from being sent (a hook's error), if anything. */
  error?: unknown;
  /** The body the `message` listeners were given, when they ran. */
  listenedTo: unknown[];
}

export interface BoltApp {
  /** Pass to the door's register function. */
  app: App;
  /** The ack seam the door registers its hook on (the real receiver). */
  seam: RecordBeforeAckReceiver;
  /** An Events API delivery of `body`, acked (hooks first) and then handed to the event's listeners. */
  deliver(body: Record<string, unknown>, retryNum?: number): Promise<Delivered>;
  /** The listener the door registered for a block action. */
  action(actionId: string): Listener;
}

export function boltApp(d: Door): BoltApp {
  const events = new Map<string, Listener[]>();
  const actions = new Map<string, Listener>();
  let listenedTo: unknown[] = [];
  const app = {
    event(type: string, listener: Listener) {
      events.set(type, [...(events.get(type) ?? []), listener]);
    },
    action(actionId: string, listener: Listener) {
      if (actions.has(actionId)) throw new Error(`two listeners for ${actionId}`);
      actions.set(actionId, listener);
    },
    // As Bolt's App.processEvent for an Events API body: ack first, then the listeners.
    async processEvent(event: ReceiverEvent) {
      await event.ack();
      const payload = event.body.event as { type?: unknown } | undefined;
      for (const listener of events.get(String(payload?.type)) ?? []) {
        listenedTo.push(event.body);
        await listener({ body: event.body, event: payload, payload, client: d.client });
      }
    },
  } as unknown as App;
  const inner = new InnerReceiver();
  const seam = new RecordBeforeAckReceiver(inner);
  seam.init(app);
  return {
    app,
    seam,
    async deliver(body, retryNum) {
      let acked = false;
      listenedTo = [];
      const ack = async () => {
        acked = true;
        d.timeline.push('ack');
      };
      try {
        await inner.deliver({ body, ack, ...(retryNum !== undefined ? { retryNum } : {}) });
        return { acked, listenedTo };
      } catch (error) {
        return { acked, error, listenedTo };
      }
    },
    action(actionId) {
      const listener = actions.get(actionId);
      if (!listener) throw new Error(`the door registered no listener for ${actionId}`);
      return listener;
    },
  };
}
