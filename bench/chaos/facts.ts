/**
 * Turns what the fakes recorded into a History: every response_url post, ephemeral, DM and receipt
 * the fake Slack received becomes a Statement (who it answers, which relays and tags it names,
 * what it claims); every send and revoke the emulator received an FxRequest; every message it
 * accepted an FxMessage. The store's records come as they are.
 */
import type { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import type { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import type { RelayRecord } from '../../src/relay/types.js';
import {
  type Classified,
  classifyAnswer,
  classifyModalErrors,
  classifyReceipt,
  relayIdsIn,
} from './claims.js';
import type {
  Delivery,
  FxMessage,
  FxRequest,
  History,
  OpRecord,
  Statement,
  StatementVia,
} from './history.js';
import { PATHS, type PlannedOp, tagsIn } from './plan.js';

/** The texts a user reads in a block list, in order (sections, context elements, quotes). */
export function blockTexts(blocks: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    if (typeof record.text === 'string' && (record.type === 'mrkdwn' || record.type === 'plain_text')) {
      out.push(record.text);
      return;
    }
    for (const [key, child] of Object.entries(record)) if (key !== 'confirm') walk(child);
  };
  walk(blocks);
  return out;
}

export interface FactsInput {
  seed: number;
  plan: PlannedOp[];
  ops: OpRecord[];
  deliveries: Delivery[];
  slack: FakeSlackApi;
  emulator: FxiaokeEmulator;
  relays: RelayRecord[];
  endedAt: number;
  settledAt: number;
}

export interface Facts {
  history: History;
  /** Texts no phrase matched, with where they were read: a new sentence to teach the checker. */
  unclassified: Array<{ via: StatementVia; text: string }>;
}

export function collectFacts(input: FactsInput): Facts {
  const statements: Statement[] = [];
  const unclassified: Facts['unclassified'] = [];
  const add = (
    via: StatementVia,
    at: number,
    text: string,
    classified: Classified,
    extra: Partial<Statement> = {},
  ) => {
    statements.push({
      id: statements.length,
      at,
      via,
      heard: true,
      text,
      relayIds: relayIdsIn(text),
      tags: tagsIn(text),
      claims: classified.claims,
      ...extra,
    });
    for (const line of classified.unclassified) unclassified.push({ via, text: line });
  };

  // What the acks said (an ephemeral on the ack, a modal's inline errors).
  input.deliveries.forEach((delivery) => {
    if (delivery.status !== 200 || !delivery.ackBody) return;
    let body: unknown;
    try {
      body = JSON.parse(delivery.ackBody);
    } catch {
      return;
    }
    const ack = body as { text?: unknown; response_action?: unknown; errors?: Record<string, string> };
    if (ack.response_action === 'errors' && ack.errors) {
      add('ack', delivery.answeredAt, Object.values(ack.errors).join('\n'), classifyModalErrors(ack.errors), {
        op: delivery.op,
      });
    } else if (typeof ack.text === 'string') {
      add('ack', delivery.answeredAt, ack.text, classifyAnswer(ack.text), { op: delivery.op });
    }
  });

  // response_url posts: the op is in the URL the driver handed out (`/response/op12-…`); one Slack
  // refused (used up, expired) never reached the user.
  for (const response of input.slack.responses) {
    const op = /\/response\/op(\d+)-/.exec(response.path)?.[1];
    const text = String(response.body.text ?? '');
    const full = [text, ...blockTexts(response.body.blocks)].join('\n');
    add('response_url', response.at, full, classifyAnswer(text, full), {
      heard: response.status === 200,
      ...(op !== undefined ? { op: Number(op) } : {}),
    });
  }

  // Ephemerals and DMs (chat.postEphemeral, chat.postMessage to a user); receipts in the channel.
  for (const call of input.slack.calls) {
    const text = String(call.body.text ?? '');
    const full = [text, ...blockTexts(call.body.blocks)].join('\n');
    if (call.method === 'chat.postEphemeral') add('ephemeral', call.at, full, classifyAnswer(text, full));
    else if (call.method === 'chat.postMessage' && /^[UWD]/.test(String(call.body.channel)))
      add('dm', call.at, full, classifyAnswer(text, full));
  }
  for (const message of input.slack.messages) {
    if (message.channel.startsWith('D')) continue;
    const texts = blockTexts(message.blocks);
    const full = [message.text ?? '', ...texts].join('\n');
    const relayId = relayIdsIn(full)[0];
    const status = texts.find((line) => line.includes('· relay `')) ?? '';
    // A receipt is read as it stands at the end: checked against what Fxiaoke holds then.
    add('receipt', input.settledAt, full, classifyReceipt(status, relayId), {
      receipt: `${message.channel}:${message.ts}`,
    });
  }

  const fxRequests: FxRequest[] = input.emulator.requests
    .filter((request) => request.path === PATHS.send || request.path === PATHS.revoke)
    .map((request) => ({
      id: request.id,
      at: request.at,
      path: request.path,
      tags: request.path === PATHS.send ? tagsIn(request.rawBody) : [],
      ...(request.path === PATHS.revoke
        ? { messageId: String((request.body as { messageId?: unknown } | undefined)?.messageId ?? '') }
        : {}),
      ...(request.fault ? { fault: request.fault } : {}),
      ...(request.status !== undefined ? { status: request.status } : {}),
    }));
  const fxMessages: FxMessage[] = input.emulator.messages.map((message) => ({
    messageId: message.messageId,
    at: message.at,
    tag: tagsIn(message.content)[0],
    recipients: [...message.toUser],
    revoked: message.revoked,
    ...(message.revokedAt !== undefined ? { revokedAt: message.revokedAt } : {}),
  }));

  return {
    history: {
      seed: input.seed,
      plan: input.plan,
      ops: input.ops,
      deliveries: input.deliveries,
      statements,
      fxRequests,
      fxMessages,
      relays: input.relays,
      endedAt: input.endedAt,
      settledAt: input.settledAt,
    },
    unclassified,
  };
}
