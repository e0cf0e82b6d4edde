/**
 * A send whose job stopped on an error before any call: its sender hears it is carried on, and
 * RelayJobs remembers it as left behind, so this process's takeover sweep takes it again once its
 * lease lapses (relay/takeover.ts ownLeftBehind). One that may have reached Fxiaoke is not.
 */
import { describe, expect, it } from 'vitest';
import { RelayInterruptedError } from '../../../src/relay/interrupted.js';
import { door, receivedRecord } from '../listeners/door-kit.js';

describe('RelayJobs: a relay left behind by its own job', () => {
  it('is remembered when no call was made, and forgotten once taken over', async () => {
    const received = receivedRecord();
    const d = door({
      carryOutSend: async () =>
        Promise.reject(new RelayInterruptedError(received.id, false, new Error('store'))),
    });
    const said: string[] = [];
    await d.ctx.jobs.send({ type: 'accepted', record: received }, async (text) => void said.push(text));
    await d.settled();
    expect(said.join('\n')).toContain('nothing of it has reached Fxiaoke yet');
    const jobs = d.ctx.jobs as unknown as {
      leftBehind(id: string): boolean;
      takeOver(record: unknown): void;
    };
    expect(jobs.leftBehind(received.id)).toBe(true);
    jobs.takeOver(received);
    expect(jobs.leftBehind(received.id)).toBe(false);
    await d.settled();
  });

  it('is not, when a call may have reached Fxiaoke (nothing is sent again automatically)', async () => {
    const received = receivedRecord();
    const d = door({
      carryOutSend: async () =>
        Promise.reject(new RelayInterruptedError(received.id, true, new Error('store'))),
    });
    await d.ctx.jobs.send({ type: 'accepted', record: received }, async () => undefined);
    await d.settled();
    const jobs = d.ctx.jobs as unknown as { leftBehind(id: string): boolean };
    expect(jobs.leftBehind(received.id)).toBe(false);
  });
});
