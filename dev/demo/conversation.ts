/**
 * One person's side of Slack, played against the real bridge: `/fx-send …` and Revoke as Slack
 * would deliver them (signed HTTP requests), then what that person would see come back — the
 * ephemeral answers on the command's response_url and the receipt the bot posts in the channel.
 */
import type { PostedMessage } from '../fakes/slack-api.js';
import {
  blockActionPayload,
  CHANNEL_ID,
  SENDER_ID,
  sendInteraction,
  sendSlashCommand,
} from '../fakes/slack-requests.js';
import { blocksToText, unmrkdwn } from './render.js';
import type { World } from './world.js';

/** The demo sender's Slack handle, as the relayed text names its author. */
export const SENDER_NAME = 'demo.sender';

export interface Receipt {
  channel: string;
  ts: string;
  /** The receipt as a person reads it (the latest version, after any updates). */
  text: string;
  /** What the Revoke button carries; undefined once nothing is left to revoke. */
  revokeValue: string | undefined;
}

export interface Answer {
  /** Ephemeral replies ("only visible to you"), in order. */
  ephemeral: string[];
  receipt: Receipt | undefined;
}

/** How long to wait for the bridge's answers: generous, the machine may be busy. */
const WAIT_MS = 15_000;

function latestBlocks(message: PostedMessage): unknown {
  return message.updates.at(-1)?.blocks ?? message.blocks;
}

function latestText(message: PostedMessage): string | undefined {
  return message.updates.at(-1)?.text ?? message.text;
}

/** The value of the receipt's Revoke button (the relay id), if it still has one. */
function revokeValueOf(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks as Array<{ elements?: unknown }>) {
    if (!Array.isArray(block?.elements)) continue;
    for (const element of block.elements as Array<{ action_id?: unknown; value?: unknown }>) {
      if (element?.action_id === 'fx_revoke' && typeof element.value === 'string') return element.value;
    }
  }
  return undefined;
}

export function receiptOf(message: PostedMessage): Receipt {
  const blocks = latestBlocks(message);
  return {
    channel: message.channel,
    ts: message.ts,
    text: blocksToText(blocks) || (latestText(message) ?? ''),
    revokeValue: revokeValueOf(blocks),
  };
}

function ephemeralTexts(world: World, responseUrl: string): string[] {
  return world.slack.responsesTo(responseUrl).map((call) => {
    const text = blocksToText(call.body.blocks);
    return text || unmrkdwn(String(call.body.text ?? ''));
  });
}

/** Waits until `done` holds, polling; resolves false if it never does within WAIT_MS. */
async function settle(done: () => boolean): Promise<boolean> {
  const deadline = Date.now() + WAIT_MS;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** A receipt is final once it no longer says the relay is under way. */
function receiptSettled(message: PostedMessage): boolean {
  return !/Sending|Revoking|:hourglass/i.test(blocksToText(latestBlocks(message)));
}

/** `/fx-send <text>` from the demo sender in #general. */
export async function sendCommand(world: World, text: string): Promise<Answer> {
  const before = world.slack.messages.length;
  const responseUrl = world.slack.responseUrl();
  const response = await sendSlashCommand(world.eventsUrl, world.signingSecret, {
    text,
    response_url: responseUrl,
    // Slack sends the sender's handle with the command; the bridge signs the relay with it.
    user_name: SENDER_NAME,
  });
  if (response.status !== 200)
    throw new Error(`the bridge answered the command with HTTP ${response.status}`);
  // Either a receipt appears (the relay went out) or an ephemeral answer explains why not.
  await settle(() => {
    const posted = world.slack.messages.slice(before).find((message) => message.text || message.blocks);
    if (posted) return receiptSettled(posted);
    return world.slack.responsesTo(responseUrl).length > 0;
  });
  const posted = world.slack.messages.slice(before).find((message) => message.text || message.blocks);
  // An answer in the HTTP response itself (Slack shows it like a response_url post).
  const direct = response.json as { blocks?: unknown; text?: unknown } | undefined;
  const immediate =
    typeof direct === 'object' && direct !== null
      ? [blocksToText(direct.blocks) || unmrkdwn(String(direct.text ?? ''))]
      : [];
  return {
    ephemeral: [...immediate.filter(Boolean), ...ephemeralTexts(world, responseUrl)],
    receipt: posted ? receiptOf(posted) : undefined,
  };
}

/** Clicks Revoke on a receipt, as its sender. */
export async function clickRevoke(world: World, receipt: Receipt): Promise<Answer> {
  if (!receipt.revokeValue) throw new Error('this receipt has no Revoke button');
  const message = world.slack.message(receipt.channel, receipt.ts);
  const updatesBefore = message?.updates.length ?? 0;
  const responseUrl = world.slack.responseUrl();
  const response = await sendInteraction(
    world.eventsUrl,
    world.signingSecret,
    blockActionPayload({
      actionId: 'fx_revoke',
      value: receipt.revokeValue,
      userId: SENDER_ID,
      channelId: receipt.channel,
      messageTs: receipt.ts,
      responseUrl,
    }),
  );
  if (response.status !== 200) throw new Error(`the bridge answered Revoke with HTTP ${response.status}`);
  await settle(() => {
    const current = world.slack.message(receipt.channel, receipt.ts);
    const updated = (current?.updates.length ?? 0) > updatesBefore && current && receiptSettled(current);
    return Boolean(updated) && world.slack.responsesTo(responseUrl).length > 0;
  });
  const current = world.slack.message(receipt.channel, receipt.ts);
  return { ephemeral: ephemeralTexts(world, responseUrl), receipt: current ? receiptOf(current) : undefined };
}

export { CHANNEL_ID, SENDER_ID };
