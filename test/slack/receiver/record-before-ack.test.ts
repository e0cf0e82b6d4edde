import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { RecordBeforeAckReceiver } from '../../../src/slack/receiver/record-before-ack.js';

/** The inner receiver as Bolt's are: it keeps the app it was given and hands it each delivery. */
class InnerReceiver implements Receiver {
  app: App | undefined;
  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  deliver(event: ReceiverEvent): Promise<void> {
    if (!this.app) throw new Error('not initialised');
    return this.app.processEvent(event);
  }
}

/** An app whose processEvent acks, as Bolt does for an event before any listener runs. */
function appThatAcks(seen: string[]): App {
  const app = {
    name: 'the app',
    async processEvent(event: ReceiverEvent) {
      seen.push('processEvent');
      await event.ack();
      seen.push('listener');
    },
  };
  // Only processEvent (and the other properties, through the prototype) are used by receivers.
  return app as unknown as App;
}

function delivery(seen: string[], body: Record<string, unknown> = { type: 'event_callback' }): ReceiverEvent {
  return {
    body,
    ack: async () => {
      seen.push('ack sent');
    },
  };
}

describe('RecordBeforeAckReceiver', () => {
  it('runs every hook inside the ack, before the inner ack answers Slack', async () => {
    const seen: string[] = [];
    const inner = new InnerReceiver();
    const receiver = new RecordBeforeAckReceiver(inner);
    receiver.beforeAck(async (event) => {
      seen.push(`recorded ${String(event.body.type)}`);
    });
    receiver.init(appThatAcks(seen));
    await inner.deliver(delivery(seen));
    expect(seen).toEqual(['processEvent', 'recorded event_callback', 'ack sent', 'listener']);
    // The inner receiver sees the same app in every other respect.
    expect((inner.app as unknown as { name: string } | undefined)?.name).toBe('the app');
  });

  it('withholds the ack when a hook throws, so Slack delivers the event again', async () => {
    const seen: string[] = [];
    const inner = new InnerReceiver();
    const receiver = new RecordBeforeAckReceiver(inner);
    receiver.beforeAck(async () => {
      throw new Error('store down');
    });
    receiver.init(appThatAcks(seen));
    await expect(inner.deliver(delivery(seen))).rejects.toThrow('store down');
    expect(seen).toEqual(['processEvent']);
  });

  it('passes deliveries through untouched while no door asked for a hook', async () => {
    const seen: string[] = [];
    const inner = new InnerReceiver();
    const receiver = new RecordBeforeAckReceiver(inner);
    const event = delivery(seen);
    let given: ReceiverEvent | undefined;
    const app = appThatAcks(seen);
    app.processEvent = async (e: ReceiverEvent) => {
      given = e;
    };
    receiver.init(app);
    await inner.deliver(event);
    expect(given).toBe(event);
  });
});
