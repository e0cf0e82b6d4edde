/**
 * Runs a plan against a World: each operation becomes the signed requests Slack would deliver (a
 * slash command, a shortcut and its modal's submission, a button click, a message event), sent to
 * the replica the load balancer picks, with Slack's own behaviour around them: an event not acked
 * with 200 is delivered again (up to 3 retries, later), and a click needs something to click on —
 * a target the user has not been shown yet (no receipt, no question) makes the operation a no-op,
 * recorded as skipped. Operations overlap: the next one starts `gapMs` after this one, with at most
 * `MAX_IN_FLIGHT` under way.
 */
import {
  blockActionPayload,
  freshTriggerId,
  interactivityBody,
  messageShortcutPayload,
  SENDER_ID,
  signSlackRequest,
  slashCommandBody,
  TEST_SIGNING_SECRET,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import type { Delivery, OpRecord } from './history.js';
import { type PlannedOp, Prng, tagOf } from './plan.js';
import { Screen } from './screen.js';
import { eventBody, messageChanged, messageDeleted, type SlackMessage } from './slack-events.js';
import type { World } from './world.js';

const MAX_IN_FLIGHT = 6;
/** Slack's retries of an event that was not acked, compressed from its 1 min / 5 min. */
const EVENT_RETRY_DELAYS_MS = [700, 2_000, 4_000] as const;
/** Slack waits 3 s for an ack; the driver waits longer so a late ack is measured, not cut. */
const DELIVERY_TIMEOUT_MS = 10_000;

const WORDS = ['quote', 'ready', 'price', 'meeting', 'moved', 'invoice', 'ship', 'today', 'call', 'plan'];

interface SentRequest {
  body: string;
  contentType: string;
  what: string;
  event: boolean;
  responseUrl?: string;
}

export class Driver {
  readonly ops: OpRecord[] = [];
  readonly deliveries: Delivery[] = [];
  /** Send operation → the Slack message it relayed (Send to Fxiaoke only). */
  readonly #messages = new Map<number, SlackMessage>();
  /** Operation → its last request, for Slack's duplicate deliveries. */
  readonly #requests = new Map<number, SentRequest>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #screen: Screen;

  constructor(
    private readonly world: World,
    private readonly seed: number,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.#screen = new Screen(world.slack);
  }

  async run(plan: readonly PlannedOp[]): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    for (const planned of plan) {
      const record: OpRecord = { index: planned.index, startedAt: Date.now(), deliveries: [] };
      this.ops.push(record);
      const barrier = ['restart', 'store-up', 'pause'].includes(planned.op.kind);
      if (barrier) await Promise.all(inFlight);
      const running = this.#perform(planned, record).catch((error: unknown) => {
        record.skipped = `driver error: ${String(error)}`;
      });
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running));
      if (barrier) await running;
      if (planned.gapMs > 0) await sleep(planned.gapMs);
      while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  /** Resolves once every delivery Slack still owes (late edits, retries) has been made. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #rng(index: number): Prng {
    return new Prng((this.seed * 100_003 + index) | 0);
  }

  #words(prng: Prng): string {
    return Array.from({ length: prng.int(2, 5) }, () => prng.pick(WORDS)).join(' ');
  }

  async #perform({ index, op }: PlannedOp, record: OpRecord): Promise<void> {
    const prng = this.#rng(index);
    switch (op.kind) {
      case 'command': {
        const people = this.world.people;
        const reachable = [...new Set([prng.pick(people.reachable), prng.pick(people.reachable)])];
        const to =
          op.recipients === 'held'
            ? [...reachable, people.stopped]
            : op.recipients === 'unknown'
              ? ['FSUID_NOBODY0000']
              : reachable;
        const responseUrl = this.world.slack.responseUrl(`op${index}-command`);
        const body = slashCommandBody({
          text: `${to.join(',')} ${tagOf(index, 0)} ${this.#words(prng)}`,
          response_url: responseUrl,
          trigger_id: freshTriggerId(),
        });
        await this.#deliver(record, op.replica, {
          body,
          contentType: FORM,
          what: 'slash command',
          event: false,
          responseUrl,
        });
        return;
      }
      case 'shortcut-send':
        return this.#shortcutSend(index, op.replica, prng, record);
      case 'revoke-button': {
        const relayId = await this.#screen.within(() => this.#screen.revokeButton(op.target));
        if (!relayId) return skip(record, `no Revoke button of #${op.target} shown yet`);
        const responseUrl = this.world.slack.responseUrl(`op${index}-revoke`);
        const payload = blockActionPayload({
          actionId: 'fx_revoke',
          value: relayId,
          messageTs: this.#screen.receiptOf(op.target)?.ts ?? '1700000000.000001',
          responseUrl,
        });
        await this.#deliver(record, op.replica, interaction(payload, 'block_actions fx_revoke', responseUrl));
        return;
      }
      case 'revoke-shortcut': {
        const message = this.#messages.get(op.target);
        const receipt = message
          ? undefined
          : await this.#screen.within(() => this.#screen.receiptOf(op.target));
        const target = message
          ? { ts: message.ts, text: message.text, user: SENDER_ID }
          : receipt
            ? { ts: receipt.ts, text: receipt.text ?? '', bot_id: this.world.slack.botId }
            : undefined;
        if (!target) return skip(record, `no message of #${op.target} to use the shortcut on`);
        const responseUrl = this.world.slack.responseUrl(`op${index}-revoke-shortcut`);
        const payload = messageShortcutPayload({
          callbackId: 'fx_revoke_message',
          message: target,
          responseUrl,
        });
        await this.#deliver(
          record,
          op.replica,
          interaction(payload, 'message_action fx_revoke_message', responseUrl),
        );
        return;
      }
      case 'edit': {
        const message = this.#messages.get(op.target);
        if (!message || message.deleted) return skip(record, `#${op.target} has no message to edit`);
        message.edits += 1;
        const previous = message.text;
        message.text = `${tagOf(op.target, message.edits)} ${this.#words(prng)}`;
        const body = eventBody(messageChanged(message, previous));
        const request = { body, contentType: JSON_TYPE, what: 'event message_changed', event: true };
        if (op.delayMs === 0) return this.#deliver(record, op.replica, request);
        // Slack delivers this edit late: after the ones that follow it, out of order.
        this.#later(sleep(op.delayMs).then(() => this.#deliver(record, op.replica, request)));
        return;
      }
      case 'delete': {
        const message = this.#messages.get(op.target);
        if (!message || message.deleted) return skip(record, `#${op.target} has no message to delete`);
        message.deleted = true;
        const body = eventBody(messageDeleted(message));
        await this.#deliver(record, op.replica, {
          body,
          contentType: JSON_TYPE,
          what: 'event message_deleted',
          event: true,
        });
        return;
      }
      case 'held-answer': {
        const held = await this.#screen.within(() => this.#screen.heldRelayId(op.target));
        if (!held) return skip(record, `no held message of #${op.target} shown`);
        const actionId = op.choice === 'confirm' ? 'fx_send_reachable' : 'fx_cancel_held';
        const responseUrl = this.world.slack.responseUrl(`op${index}-held`);
        const payload = blockActionPayload({
          actionId,
          value: held,
          messageTs: '1700000001.000001',
          responseUrl,
        });
        await this.#deliver(
          record,
          op.replica,
          interaction(payload, `block_actions ${actionId}`, responseUrl),
        );
        return;
      }
      case 'offer-answer': {
        const question = await this.#screen.within(() => this.#screen.latestQuestion(op.target));
        if (!question) return skip(record, `no question about #${op.target} asked`);
        const wanted = { update: 'fx_update', skip: 'fx_update_skip', revoke: 'fx_revoke', keep: 'fx_keep' }[
          op.choice
        ];
        const counterpart: Record<string, string> = {
          fx_update: 'fx_revoke',
          fx_revoke: 'fx_update',
          fx_update_skip: 'fx_keep',
          fx_keep: 'fx_update_skip',
        };
        const button =
          question.buttons.find((b) => b.action_id === wanted) ??
          question.buttons.find((b) => b.action_id === counterpart[wanted]);
        if (!button) return skip(record, `the question about #${op.target} has no such button`);
        const responseUrl = this.world.slack.responseUrl(`op${index}-offer`);
        const payload = blockActionPayload({
          actionId: button.action_id,
          value: button.value,
          channelId: `D${SENDER_ID.slice(1)}`,
          messageTs: question.ts,
          responseUrl,
        });
        await this.#deliver(
          record,
          op.replica,
          interaction(payload, `block_actions ${button.action_id}`, responseUrl),
        );
        return;
      }
      case 'redeliver': {
        const request = this.#requests.get(op.of);
        if (!request) return skip(record, `#${op.of} sent nothing to deliver again`);
        await this.#deliver(record, op.replica, request, request.event ? 1 : 0);
        return;
      }
      case 'fault':
        this.world.emulator.addFault({ fault: op.fault, ...(op.path ? { path: op.path } : {}), times: 1 });
        return;
      case 'kill': {
        const replica = this.world.replicas[op.replica];
        if (replica) await this.world.killReplica(replica);
        return;
      }
      case 'restart': {
        const replica = this.world.replicas[op.replica];
        if (!replica) return;
        this.world.writeConfig({ edits: op.edits, deletes: op.deletes });
        await this.world.startReplica(replica);
        return;
      }
      case 'store-down':
        return this.world.storeOutage();
      case 'store-up':
        return this.world.storeBack();
      case 'pause':
        await sleep(op.ms);
        return;
    }
  }

  /** Send to Fxiaoke on a new message: the shortcut opens the modal, the user presses Send. */
  async #shortcutSend(index: number, replica: number, prng: Prng, record: OpRecord): Promise<void> {
    const ts = `1700100000.${String(index).padStart(6, '0')}`;
    const message: SlackMessage = {
      ts,
      text: `${tagOf(index, 0)} ${this.#words(prng)}`,
      edits: 0,
      deleted: false,
    };
    this.#messages.set(index, message);
    const triggerId = freshTriggerId();
    const shortcut = messageShortcutPayload({
      callbackId: 'fx_send_message',
      message: { ts, text: message.text, user: SENDER_ID },
      responseUrl: this.world.slack.responseUrl(`op${index}-send-shortcut`),
      triggerId,
    });
    // The window shows the message as it was when the shortcut was used; edits made meanwhile
    // reach the bridge as events.
    const text = message.text;
    await this.#deliver(record, replica, interaction(shortcut, 'message_action fx_send_message'));
    const view = await this.#screen.modal(triggerId, ts);
    if (!view) return skip(record, 'the compose window never opened');
    const people = this.world.people;
    const recipients = [...new Set([prng.pick(people.reachable), prng.pick(people.reachable)])];
    const submission = viewSubmissionPayload({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: {
        recipients: {
          recipients: {
            type: 'multi_external_select',
            selected_options: recipients.map((value) => ({
              text: { type: 'plain_text', text: value },
              value,
            })),
          },
        },
        slack_users: { slack_users: { type: 'multi_users_select', selected_users: [] } },
        message: { message: { type: 'plain_text_input', value: text } },
      },
    });
    await this.#deliver(record, replica, interaction(submission, 'view_submission fx_send_modal'));
  }

  #later(work: Promise<unknown>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /** One delivery to the replica the load balancer picks; events not acked come again, later. */
  async #deliver(record: OpRecord, drawn: number, request: SentRequest, attempt = 0): Promise<void> {
    this.#requests.set(record.index, request);
    const replica = this.world.route(drawn);
    const headers: Record<string, string> = {
      'content-type': request.contentType,
      ...signSlackRequest(TEST_SIGNING_SECRET, request.body),
      ...(attempt > 0 ? { 'x-slack-retry-num': String(attempt), 'x-slack-retry-reason': 'http_error' } : {}),
    };
    const delivery: Delivery = {
      op: record.index,
      what: request.what,
      attempt,
      replica: replica?.index ?? drawn,
      sentAt: Date.now(),
      answeredAt: 0,
      storeUp: this.world.storeUp,
      ...(request.responseUrl ? { responseUrl: request.responseUrl } : {}),
    };
    this.deliveries.push(delivery);
    record.deliveries.push(this.deliveries.length - 1);
    try {
      if (!replica) throw new Error('no replica');
      const response = await fetch(replica.eventsUrl, {
        method: 'POST',
        headers,
        body: request.body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      delivery.status = response.status;
      const text = await response.text();
      if (text.length > 0) delivery.ackBody = text;
    } catch (error) {
      delivery.error =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
    }
    delivery.answeredAt = Date.now();
    delivery.storeUp &&= this.world.storeUp;
    this.log(
      `#${record.index} ${request.what}${attempt > 0 ? ` (retry ${attempt})` : ''} → replica ${delivery.replica}: ${delivery.status ?? delivery.error}`,
    );
    if (request.event && delivery.status !== 200 && attempt < EVENT_RETRY_DELAYS_MS.length) {
      const retry = this.#rng(record.index * 7 + attempt).int(0, this.world.replicas.length - 1);
      this.#later(
        sleep(EVENT_RETRY_DELAYS_MS[attempt]!).then(() => this.#deliver(record, retry, request, attempt + 1)),
      );
    }
  }
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
function interaction(payload: Record<string, unknown>, what: string, responseUrl?: string): SentRequest {
  return {
    body: interactivityBody(payload),
    contentType: FORM,
    what,
    event: false,
    ...(responseUrl ? { responseUrl } : {}),
  };
}

function skip(record: OpRecord, why: string): void {
  record.skipped = why;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
