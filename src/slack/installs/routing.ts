/**
 * Install mode hands each request of a connected workspace to that workspace's own app
 * (tenant-receiver.ts) and keeps for itself what belongs to installing: Connect Fxiaoke, uninstalls,
 * revoked tokens, and whatever comes from a workspace not connected yet. The choice needs the
 * request's installation, known only once the install app has authorized it, so it is made in the
 * install app's first middleware (`routeToTenants`).
 *
 * Bolt acks an Events API delivery itself, before any middleware runs. A workspace's app must ack
 * its events itself (its doors record message events before the ack: receiver/record-before-ack.ts),
 * so the RoutingReceiver holds back the install app's ack of an event until the middleware has
 * chosen: handed on, the workspace's app acks it; kept, it is acked then.
 */
import type { AnyMiddlewareArgs, App, Context, Middleware, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { CONNECT_ACTION, CONNECT_MODAL } from './connect-view.js';
import type { TenantAuthorization, TenantReceiver } from './tenant-receiver.js';

/** The context property a delivery travels in through the install app. */
const DELIVERY = 'fxDelivery';

/** Requests of the install app itself, whether or not the workspace is connected. */
const OWN_ACTIONS: ReadonlySet<string> = new Set([CONNECT_ACTION]);
const OWN_VIEWS: ReadonlySet<string> = new Set([CONNECT_MODAL]);
const OWN_EVENTS: ReadonlySet<string> = new Set(['app_uninstalled', 'tokens_revoked']);

interface RequestBody {
  type?: unknown;
  actions?: { action_id?: unknown }[];
  view?: { callback_id?: unknown };
  event?: { type?: unknown };
}

export function isInstallAppsOwn(body: RequestBody): boolean {
  switch (body.type) {
    case 'block_actions':
      return (body.actions ?? []).some((action) => OWN_ACTIONS.has(String(action.action_id)));
    case 'view_submission':
    case 'view_closed':
      return OWN_VIEWS.has(String(body.view?.callback_id));
    case 'event_callback':
      return OWN_EVENTS.has(String(body.event?.type));
    default:
      return false;
  }
}

/** One request on its way through the install app: its own ack, held back for events. */
class Delivery {
  #ackWanted = false;
  #acked = false;
  #handedOn = false;
  #withheld = false;

  constructor(readonly event: ReceiverEvent) {}

  get isEvent(): boolean {
    return (this.event.body as RequestBody).type === 'event_callback';
  }

  /** The request as the install app sees it: an event's ack only noted, the delivery in its context. */
  forInstallApp(): ReceiverEvent {
    const customProperties = { ...this.event.customProperties, [DELIVERY]: this };
    if (!this.isEvent) return { ...this.event, customProperties };
    const ack: ReceiverEvent['ack'] = async () => {
      this.#ackWanted = true;
    };
    return { ...this.event, ack, customProperties };
  }

  /** Kept by the install app: an event is acked now (other requests are acked by its listener). */
  async keep(): Promise<void> {
    if (!this.isEvent || this.#acked) return;
    this.#acked = true;
    await this.event.ack();
  }

  /** Handed to a workspace's app, whose listeners ack it with the request's own ack. */
  handOn(): ReceiverEvent {
    this.#handedOn = true;
    return this.event;
  }

  /**
   * Not acked at all: Slack delivers it again (after Bolt's 3 s, its unhandled-request answer). For
   * an event of a connected workspace whose bridge cannot be set up now: its doors would have
   * recorded it before the ack, and an ack without the record would lose it.
   */
  withhold(): void {
    this.#withheld = true;
  }

  /** After the install app is done: an event it asked to ack and nobody acked is acked now. */
  async settle(): Promise<void> {
    if (!this.#handedOn && !this.#withheld && this.#ackWanted) await this.keep();
  }
}

/** Around the install app's HTTPReceiver: every delivery goes through the install app as a Delivery. */
export class RoutingReceiver implements Receiver {
  constructor(readonly inner: Receiver) {}

  init(app: App): void {
    const wrapped: App = Object.create(app, {
      processEvent: {
        value: async (event: ReceiverEvent) => {
          const delivery = new Delivery(event);
          try {
            await app.processEvent(delivery.forInstallApp());
          } finally {
            await delivery.settle();
          }
        },
      },
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
}

/** A connected workspace's app, as the routing needs it. */
export interface RoutedTenant {
  receiver: Pick<TenantReceiver, 'deliver'>;
  noteToken(token: string | undefined): void;
}

/**
 * The install app's first middleware: a request of a connected workspace (`tenantOf` its
 * installation key gives its app) goes to that app; anything else goes on to the install app's
 * own listeners.
 */
export function routeToTenants(
  tenantOf: (key: string) => Promise<RoutedTenant | undefined>,
  keyOf: (context: Context) => string,
  log: Pick<Logger, 'error'>,
): Middleware<AnyMiddlewareArgs> {
  return async ({ context, body, next }) => {
    const delivery = context[DELIVERY] as Delivery | undefined;
    if (delivery && !isInstallAppsOwn(body as RequestBody)) {
      const key = keyOf(context);
      // A workspace whose bridge cannot be built now (its secrets unreadable, the store away) is
      // answered by the install app's doors: nothing sent, and why. Its events are not acked, so
      // Slack delivers them again rather than one being lost.
      let unavailable = false;
      const tenant = await tenantOf(key).catch((error: unknown) => {
        log.error({ installation: key, err: error }, 'a connected workspace could not be set up');
        unavailable = true;
        return undefined;
      });
      if (unavailable && delivery.isEvent) {
        delivery.withhold();
        return;
      }
      if (tenant) {
        tenant.noteToken(context.botToken);
        const authorization: TenantAuthorization = {
          botToken: context.botToken,
          botId: context.botId,
          botUserId: context.botUserId,
          userToken: context.userToken,
          teamId: context.teamId,
          enterpriseId: context.enterpriseId,
        };
        await tenant.receiver.deliver(delivery.handOn(), authorization);
        return;
      }
    }
    await delivery?.keep();
    await next();
  };
}
