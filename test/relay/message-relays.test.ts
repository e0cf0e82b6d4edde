import { describe, expect, it } from 'vitest';
import { MAX_SENDS_PER_MESSAGE, relaysOfMessage } from '../../src/relay/message-relays.js';
import type { RelayStatus, SlackMessageRef } from '../../src/relay/types.js';
import { MemoryRelayStore } from '../../src/store/memory-store.js';
import { makeRecord } from '../store/records.js';

const MESSAGE: SlackMessageRef = { teamId: 'T0TEST', channelId: 'C0GENERAL', ts: '1700000000.000300' };

/** Counts what relaysOfMessage asks of the store. */
class CountingStore extends MemoryRelayStore {
  readonly asked: string[] = [];
  override async findByRequestKey(requestKey: string) {
    this.asked.push('findByRequestKey');
    return super.findByRequestKey(requestKey);
  }
  override async listBySource(ref: SlackMessageRef, limit: number) {
    this.asked.push('listBySource');
    return super.listBySource(ref, limit);
  }
  override async findBySlackMessage(ref: SlackMessageRef) {
    this.asked.push('findBySlackMessage');
    return super.findBySlackMessage(ref);
  }
}

const repeat = (n: number, status: RelayStatus = 'sent') =>
  makeRecord({
    slack: undefined,
    status,
    requestKey: `message:T0TEST:C0GENERAL:1700000000.000300#${n}`,
    source: { door: 'message', teamId: 'T0TEST', slack: MESSAGE, repeat: n },
  });

describe('relaysOfMessage', () => {
  it('finds every repeat in one query, however many there are, up to the most a message gets', async () => {
    const store = new CountingStore();
    const first = makeRecord({
      slack: MESSAGE,
      source: { door: 'message', teamId: 'T0TEST', slack: MESSAGE },
    });
    await store.create(first);
    for (let n = MAX_SENDS_PER_MESSAGE + 1; n >= 2; n--) await store.create(repeat(n));
    const found = await relaysOfMessage(store, MESSAGE);
    expect(found.map((relay) => relay.n)).toStrictEqual(
      Array.from({ length: MAX_SENDS_PER_MESSAGE }, (_, i) => i + 1),
    );
    expect(found[0]?.record.id).toBe(first.id);
    expect(store.asked.sort()).toStrictEqual(['findBySlackMessage', 'listBySource']);
  });

  it('stops at the first number not used, and prefers a relay to an old held stub of the same number', async () => {
    const store = new MemoryRelayStore();
    const stub = repeat(2, 'confirmed');
    const relay = repeat(2);
    await store.create(stub);
    await store.create({ ...relay, requestKey: `${relay.requestKey}.sent` });
    await store.create(repeat(4));
    const found = await relaysOfMessage(store, MESSAGE);
    expect(found.map((r) => [r.n, r.record.id])).toStrictEqual([[2, relay.id]]);
  });
});
