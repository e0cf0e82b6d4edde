/**
 * How a request reaches an installed workspace's own app (install mode). The install app receives
 * every request: it verifies the signature, authorizes the team with its installation, serves
 * installs and Connect Fxiaoke, and hands everything else of a connected workspace to that
 * workspace's app (installs/routing.ts) — the single-workspace bridge's listeners, relay and
 * presenters, with the workspace's store view, Fxiaoke tenant and bot token. This Receiver is the
 * seam: it has no transport of its own, and the authorization the install app found travels with
 * the request, so it is not looked up twice.
 */
import type { App, AuthorizeResult, Receiver, ReceiverEvent } from '@slack/bolt';

/** The part of the install app's authorization a workspace's app runs with. */
export type TenantAuthorization = Pick<
  AuthorizeResult,
  'botToken' | 'botId' | 'botUserId' | 'userToken' | 'teamId' | 'enterpriseId'
>;

export class TenantReceiver implements Receiver {
  #app: App | undefined;
  /** Each delivery's authorization, by its body (Bolt hands `authorize` the same object). */
  readonly #authorizations = new WeakMap<object, TenantAuthorization>();

  init(app: App): void {
    this.#app = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /** The authorization a delivery came with; undefined for a body this receiver never delivered. */
  authorizationOf(body: unknown): TenantAuthorization | undefined {
    return typeof body === 'object' && body !== null ? this.#authorizations.get(body) : undefined;
  }

  /** Processes a request routed here; its `ack` is still the one that answers Slack. */
  async deliver(event: ReceiverEvent, authorization: TenantAuthorization): Promise<void> {
    if (!this.#app) throw new Error('TenantReceiver.deliver before the app was built');
    this.#authorizations.set(event.body, authorization);
    await this.#app.processEvent(event);
  }
}
