/**
 * What the user sees in the fake Slack, as the driver's simulated user looks for it before a
 * click: the compose modal that opened, a Revoke button, a receipt, a held message's buttons, the
 * latest question about an edit or delete. A user waits a few seconds for it, then moves on.
 */

import type { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { CHANNEL_ID } from '../../dev/fakes/slack-requests.js';
import { tagsIn } from './plan.js';

/** How long a user waits to be shown what they want to click (a receipt, a question). */
const TARGET_WAIT_MS = 4_000;
/** How long a user waits for a modal to open before giving up on it. */
const MODAL_WAIT_MS = 8_000;

const QUESTION_BUTTONS = new Set(['fx_update', 'fx_update_skip', 'fx_revoke', 'fx_keep']);

/** Every button in a Slack payload (blocks, a message, a response_url body), in document order. */
export function buttonsIn(value: unknown): Array<{ action_id: string; value: string }> {
  if (Array.isArray(value)) return value.flatMap(buttonsIn);
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  if (typeof record.action_id === 'string' && typeof record.value === 'string')
    return [{ action_id: record.action_id, value: record.value }];
  return Object.values(record).flatMap(buttonsIn);
}

export interface Button {
  action_id: string;
  value: string;
}

export class Screen {
  constructor(private readonly slack: FakeSlackApi) {}

  /** The compose modal the user ends up with (the one opened, or the one that replaced "Preparing…"). */
  async modal(
    triggerId: string,
    ts: string,
  ): Promise<{ callback_id: string; private_metadata: string } | undefined> {
    const deadline = Date.now() + MODAL_WAIT_MS;
    while (Date.now() < deadline) {
      const calls = this.slack.calls;
      const opened = calls.find((call) => call.method === 'views.open' && call.body.trigger_id === triggerId);
      const views = [opened, ...calls.filter((call) => call.method === 'views.update')]
        .map((call) => call?.body.view as { callback_id?: string; private_metadata?: string } | undefined)
        .filter((view) => view?.callback_id === 'fx_send_modal' && view.private_metadata?.includes(ts));
      const view = views.at(-1);
      if (opened && view?.callback_id && view.private_metadata)
        return { callback_id: view.callback_id, private_metadata: view.private_metadata };
      await sleep(50);
    }
    return undefined;
  }

  /** What `find` finds once Slack shows it; a user waits a few seconds for it, then moves on. */
  async within<T>(find: () => T | undefined): Promise<T | undefined> {
    const deadline = Date.now() + TARGET_WAIT_MS;
    for (;;) {
      const found = find();
      if (found !== undefined || Date.now() > deadline) return found;
      await sleep(100);
    }
  }

  /** Everything the user saw in Slack that mentions a send: receipts, answers, DMs. */
  #shown(send: number): Array<{ json: string; ts?: string; at: number }> {
    const slack = this.slack;
    const key = `(cx s${send} e`;
    const shown: Array<{ json: string; ts?: string; at: number }> = [];
    for (const message of slack.messages)
      shown.push({ json: JSON.stringify(message), ts: message.ts, at: message.updates.at(-1)?.at ?? 0 });
    for (const response of slack.responses)
      shown.push({ json: JSON.stringify({ path: response.path, body: response.body }), at: response.at });
    for (const call of slack.calls)
      if (call.method === 'chat.postEphemeral') shown.push({ json: JSON.stringify(call.body), at: call.at });
    return shown.filter((entry) => entry.json.includes(key) || entry.json.includes(`op${send}-`));
  }

  /** The relay id a Revoke button for this send carries, as the user last saw one. */
  revokeButton(send: number): string | undefined {
    const buttons = this.#shown(send)
      .sort((a, b) => a.at - b.at)
      .flatMap((entry) => buttonsIn(JSON.parse(entry.json)))
      .filter((button) => button.action_id === 'fx_revoke');
    return buttons.at(-1)?.value;
  }

  /** The receipt a /fx-send posted in the channel (found by the tag its preview shows). */
  receiptOf(send: number): { ts: string; text?: string } | undefined {
    return this.slack.messages.find(
      (message) =>
        message.channel === CHANNEL_ID &&
        tagsIn(JSON.stringify(message.blocks ?? '')).some((t) => t.send === send),
    );
  }

  /** The held relay's id, from the held message's buttons on the command's response_url. */
  heldRelayId(send: number): string | undefined {
    const path = new URL(this.slack.responseUrl(`op${send}-command`)).pathname;
    for (const response of this.slack.responses) {
      if (response.path !== path) continue;
      const found = buttonsIn(response.body).find((button) => button.action_id === 'fx_send_reachable');
      if (found) return found.value;
    }
    return undefined;
  }

  /** The latest DM asking about an edit or delete of this send's message, with its buttons. */
  latestQuestion(
    send: number,
  ): { ts: string; buttons: Array<{ action_id: string; value: string }> } | undefined {
    const key = `(cx s${send} e`;
    const dms = this.slack.messages.filter((message) => message.channel.startsWith('D'));
    for (const message of [...dms].reverse()) {
      if (!JSON.stringify(message.blocks ?? []).includes(key)) continue;
      const buttons = buttonsIn(message.blocks).filter((button) => QUESTION_BUTTONS.has(button.action_id));
      if (buttons.length > 0) return { ts: message.ts, buttons };
    }
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
