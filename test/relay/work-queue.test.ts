import { afterEach, describe, expect, it, vi } from 'vitest';
import { RelayWorkQueue } from '../../src/relay/work-queue.js';

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('RelayWorkQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at most `concurrency` jobs at once, in order, and the rest as slots free up', async () => {
    const queue = new RelayWorkQueue({ concurrency: 2 });
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    gates.forEach((each, n) => {
      queue.enqueue({
        run: async () => {
          started.push(n);
          await each.opened;
        },
      });
    });
    await settle();
    expect(started).toEqual([0, 1]);
    expect([queue.active, queue.backlog]).toEqual([2, 1]);
    gates[0]?.open();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    gates[1]?.open();
    gates[2]?.open();
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it('runs one job at a time while the event loop is under pressure, and all again after', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let pressure = true;
    const queue = new RelayWorkQueue({ concurrency: 4, underPressure: () => pressure });
    const gates = [gate(), gate(), gate()];
    let running = 0;
    let most = 0;
    for (const each of gates) {
      queue.enqueue({
        run: async () => {
          running++;
          most = Math.max(most, running);
          await each.opened;
          running--;
        },
      });
    }
    await settle();
    expect(queue.active).toBe(1);
    pressure = false;
    // Held back only by pressure: the queue looks again by itself, without a job ending.
    await vi.advanceTimersByTimeAsync(5);
    await settle();
    expect(queue.active).toBe(3);
    for (const each of gates) each.open();
    await queue.idle();
    expect(most).toBe(3);
  });

  it('tells a job that waits too long how many are ahead, once, and starts nothing after a stop', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const queue = new RelayWorkQueue({ concurrency: 1, waitingNoticeMs: 10 });
    const first = gate();
    const notices: number[] = [];
    let secondRan = false;
    queue.enqueue({ run: () => first.opened });
    queue.enqueue({
      run: async () => {
        secondRan = true;
      },
      onWaiting: (ahead) => notices.push(ahead),
    });
    await vi.advanceTimersByTimeAsync(9);
    expect(notices).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(notices).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(notices).toEqual([1]);
    const stopped = queue.stop(1_000);
    first.open();
    expect(await stopped).toBe(true);
    expect(secondRan).toBe(false);
  });
});
