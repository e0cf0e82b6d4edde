/**
 * The rules about what Fxiaoke and the store hold: each text arrived once and in order, every
 * batch the store keeps says what Fxiaoke holds, every accepted message is recorded, nothing is
 * left in work. See rules.ts for the whole list.
 */

import { REVOKE_UNCERTAIN } from '../../src/relay/copies.js';
import { IN_WORK } from '../../src/relay/lifecycle.js';
import type { RelayBatch } from '../../src/relay/types.js';
import type { FxMessage, Violation } from './history.js';
import { tagsIn } from './plan.js';
import { type Rule, sameTag, tagKey } from './view.js';

export const exactlyOnce: Rule = (view) => {
  const seen = new Map<string, FxMessage[]>();
  for (const message of view.history.fxMessages) {
    if (!message.tag) continue;
    const key = `${tagKey(message.tag)} to ${[...message.recipients].sort().join(',')}`;
    seen.set(key, [...(seen.get(key) ?? []), message]);
  }
  return [...seen.entries()]
    .filter(([, messages]) => messages.length > 1)
    .map(([key, messages]) => ({
      rule: 'exactly-once' as const,
      send: messages[0]!.tag!.send,
      message: `(cx ${key}) reached Fxiaoke ${messages.length} times (messageIds ${messages.map((m) => m.messageId).join(', ')})`,
    }));
};

export const newestTextLast: Rule = (view) => {
  const violations: Violation[] = [];
  const bySend = new Map<number, FxMessage[]>();
  for (const message of view.history.fxMessages)
    if (message.tag) bySend.set(message.tag.send, [...(bySend.get(message.tag.send) ?? []), message]);
  for (const [send, messages] of bySend) {
    let newest: FxMessage | undefined;
    for (const message of [...messages].sort((a, b) => a.at - b.at)) {
      if (newest?.tag && message.tag && message.tag.edit < newest.tag.edit) {
        violations.push({
          rule: 'newest-text-last',
          send,
          message: `edit ${message.tag.edit} of #${send} reached Fxiaoke after edit ${newest.tag.edit} (an older text replaced a newer one)`,
        });
      }
      if (!newest?.tag || (message.tag && message.tag.edit > newest.tag.edit)) newest = message;
    }
  }
  return violations;
};

function revokeUncertain(batch: RelayBatch): boolean {
  return batch.revokeError?.kind === REVOKE_UNCERTAIN;
}

export const storeMatchesFxiaoke: Rule = (view) => {
  const violations: Violation[] = [];
  for (const relay of view.history.relays) {
    const send = view.sendOfRelay(relay.id);
    const found = (message: string): Violation => ({
      rule: 'store-matches-fxiaoke',
      relayId: relay.id,
      ...(send !== undefined ? { send } : {}),
      message,
    });
    const versions = [
      ...(relay.versions ?? []).map((version) => ({
        text: version.text,
        batches: version.batches,
        current: false,
      })),
      { text: relay.text, batches: relay.batches, current: true },
    ];
    for (const version of versions) {
      const tag = tagsIn(version.text)[0];
      const which = `${version.current ? 'current' : 'earlier'} version ${tag ? `(cx ${tagKey(tag)})` : ''}`;
      for (const batch of version.batches) {
        const message = batch.messageId ? view.messageById.get(batch.messageId) : undefined;
        const what = `relay ${relay.id} ${which} batch ${batch.index + 1}`;
        switch (batch.status) {
          case 'sent':
            if (!message && !view.messagesOf(tag?.send ?? -1, tag?.edit).length)
              violations.push(found(`${what} is "sent" but Fxiaoke holds no such message`));
            else if (message && tag && !sameTag(message.tag, tag))
              violations.push(
                found(`${what} is "sent" as ${batch.messageId}, which Fxiaoke holds with another text`),
              );
            else if (message?.revoked && !revokeUncertain(batch))
              violations.push(found(`${what} is "sent" (live) but Fxiaoke has revoked ${batch.messageId}`));
            break;
          case 'revoked':
            if (!message?.revoked)
              violations.push(
                found(
                  `${what} is "revoked" but Fxiaoke ${message ? 'still shows' : 'holds no'} ${batch.messageId ?? 'message'}`,
                ),
              );
            break;
          case 'failed': {
            const arrived = tag
              ? view
                  .messagesOf(tag.send, tag.edit)
                  .filter((m) => m.recipients.some((r) => batch.recipients.includes(r)))
              : [];
            if (arrived.length > 0)
              violations.push(
                found(
                  `${what} is "failed" but it reached Fxiaoke (${arrived.map((m) => m.messageId).join(', ')})`,
                ),
              );
            break;
          }
          case 'unknown':
            if (
              tag &&
              view.sendRequestsOf(tag.send, tag.edit).length === 0 &&
              !view.killedInDispatch(batch.dispatchedAt)
            )
              violations.push(
                found(
                  `${what} is "unknown" (may have been delivered) but no call with its text ever reached Fxiaoke`,
                ),
              );
            break;
          case 'pending':
            break;
        }
      }
    }
  }
  return violations;
};

export const workingState: Rule = (view) =>
  view.history.relays
    .filter(
      (relay) => IN_WORK.includes(relay.status) || relay.batches.some((batch) => batch.status === 'pending'),
    )
    .map((relay) => ({
      rule: 'working-state' as const,
      relayId: relay.id,
      ...(view.sendOfRelay(relay.id) !== undefined ? { send: view.sendOfRelay(relay.id)! } : {}),
      message: `relay ${relay.id} is still "${relay.status}"${relay.batches.some((b) => b.status === 'pending') ? ' with a pending batch' : ''} after everything settled`,
    }));

export const deliveryRecorded: Rule = (view) => {
  const violations: Violation[] = [];
  for (const message of view.history.fxMessages) {
    const tag = message.tag;
    if (!tag) continue;
    const recorded = view.history.relays.some((relay) =>
      [relay.text, ...(relay.versions ?? []).map((version) => version.text)].some((text) =>
        tagsIn(text).some((t) => sameTag(t, tag)),
      ),
    );
    if (!recorded)
      violations.push({
        rule: 'delivery-recorded',
        send: tag.send,
        message: `(cx ${tagKey(tag)}) reached Fxiaoke as ${message.messageId} but no relay in the store records that text`,
      });
  }
  return violations;
};
