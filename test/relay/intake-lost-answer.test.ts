/**
 * A request acked "could not record this request in time … nothing will be sent" is never carried
 * out, also when its intake write did land: Redis applied it, then the connection dropped before
 * its answer (found by the chaos campaign). The door looks it up once the store answers again and
 * abandons it, so no process — this one, or a replica taking it over — sends it.
 */
import { describe, expect, it, vi } from 'vitest';
import { relayFacade } from '../../src/relay/facade.js';
import { ABANDONED } from '../../src/relay/intake.js';
import { IN_WORK } from '../../src/relay/lifecycle.js';
import type { RelayStore } from '../../src/relay/ports/store.js';
import { testRelay } from './relay-deps.js';

const request = {
  requestKey: 'command:T0TEST:trigger.lost-answer',
  senderId: 'U0SENDER',
  originChannelId: 'C0GENERAL',
  recipientsInput: ['FSUID_S3'],
  text: 'The quote is ready',
  intake: { door: 'command' as const, teamId: 'T0TEST', senderName: 'bob' },
};

/** A store whose `create` lands, then fails as a dropped connection does; reads fail `readsDown` times first. */
function droppedAnswers(real: RelayStore, readsDown: number): RelayStore {
  let failedReads = 0;
  return new Proxy(real, {
    get(target, property) {
      if (property === 'create') {
        return async (...args: Parameters<RelayStore['create']>) => {
          await target.create(...args);
          throw new Error('Connection is closed.');
        };
      }
      if (property === 'findByRequestKey') {
        return async (key: string) => {
          if (failedReads++ < readsDown) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
          return target.findByRequestKey(key);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('an intake write that failed but landed', () => {
  it.each([0, 2])(
    'is abandoned once the store answers (reads down %i times): nothing is left to carry out',
    async (readsDown) => {
      const relay = testRelay();
      const store = droppedAnswers(relay.store, readsDown);
      const facade = relayFacade({ ...relay.deps, store });

      expect(await facade.receiveSend(request)).toEqual({ type: 'unavailable' });
      await vi.waitFor(
        async () => {
          const landed = await relay.store.findByRequestKey(request.requestKey);
          expect(landed).toMatchObject({ status: 'failed', error: { kind: ABANDONED } });
          expect(landed?.lease).toBeUndefined();
        },
        { timeout: 5_000, interval: 20 },
      );
      // No takeover finds it: it is not in work.
      expect(await relay.store.listByStatus(IN_WORK, 10)).toEqual([]);
      expect(relay.fake.sends).toEqual([]);
    },
  );

  it('a write that failed without landing leaves nothing behind, and the request can be sent again', async () => {
    const relay = testRelay();
    // The store is away: the write fails without landing, and the door's look-up fails until it is back.
    let away = true;
    let lookups = 0;
    const store = new Proxy(relay.store, {
      get(target, property) {
        if (property === 'create')
          return async () => {
            throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
          };
        if (property === 'findByRequestKey')
          return async (key: string) => {
            if (away) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
            const found = await target.findByRequestKey(key);
            lookups++;
            return found;
          };
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    expect(await relayFacade({ ...relay.deps, store }).receiveSend(request)).toEqual({ type: 'unavailable' });
    // The sender tries again a moment later (Slack's retry of the same request): taken, and kept.
    relay.clock.now += 1_000;
    expect(await relayFacade(relay.deps).receiveSend(request)).toMatchObject({
      type: 'accepted',
      record: { status: 'received' },
    });
    // The store answers again: the first door's look-up now finds the retry's record, which is not its write.
    away = false;
    await vi.waitFor(() => expect(lookups).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await relay.store.findByRequestKey(request.requestKey)).toMatchObject({ status: 'received' });
  });
});
