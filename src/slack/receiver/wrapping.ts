/**
 * A Receiver around Bolt's own (HTTPReceiver or SocketModeReceiver), the seam Bolt offers for
 * transport concerns: the inner receiver does the transport and sees an app that is the same in
 * every respect but `processEvent`, which hands each delivery through `wrap` first. Nothing of
 * Bolt is reassigned. Subclasses: ack-timing.ts, record-before-ack.ts.
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';

export abstract class WrappingReceiver implements Receiver {
  constructor(
    /** Bolt's HTTPReceiver or SocketModeReceiver (or another wrapper), which does the transport. */
    readonly inner: Receiver,
  ) {}

  init(app: App): void {
    const wrapped: App = Object.create(app, {
      processEvent: { value: (event: ReceiverEvent) => app.processEvent(this.wrap(event)) },
    });
    this.inner.init(wrapped);
  }

  // Bolt's Receiver interface passes start/stop arguments through untyped.
  start(...args: unknown[]): Promise<unknown> {
    return this.inner.start(...args);
  }

  stop(...args: unknown[]): Promise<unknown> {
    return this.inner.stop(...args);
  }

  /** The delivery as the app gets it: usually the same, with its `ack` wrapped. */
  protected abstract wrap(event: ReceiverEvent): ReceiverEvent;
}
