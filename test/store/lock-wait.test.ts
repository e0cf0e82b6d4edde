/**
 * LockWaitQueue with operations that throw a fake "locked" error on demand: FIFO for writes even
 * when the lock frees between two calls, reads past waiting writes, retries, close. Its retry
 * timers are vitest's fake ones, moved by the test: no real waiting, whatever the machine's speed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LockWaitQueue } from '../../src/store/lock-wait.js';

class Locked extends Error {}

/** Timers only (no spin), so each retry happens when the test moves the fake timers. */
function queue() {
  return new LockWaitQueue({
    isLocked: (error) => error instanceof Locked,
    spinMs: 0,
    firstDelayMs: 1,
    maxDelayMs: 4,
  });
}

/** The next turn of the event loop (setImmediate is real here: only timers are faked). */
async function turns(count: number): Promise<void> {
  for (let n = 0; n < count; n++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** An operation that fails with Locked while `lock.held`, else appends `name` to `landed`. */
function op(lock: { held: boolean }, landed: string[], name: string) {
  let attempts = 0;
  const run = () => {
    attempts += 1;
    if (lock.held) throw new Locked();
    landed.push(name);
    return name;
  };
  return Object.assign(run, { attempts: () => attempts });
}

describe('LockWaitQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lands writes in issue order, also one issued after the lock frees but before a retry', async () => {
    const q = queue();
    const lock = { held: true };
    const landed: string[] = [];
    const a = q.write(op(lock, landed, 'a'));
    const b = q.write(op(lock, landed, 'b'));
    await vi.advanceTimersByTimeAsync(10); // several retries (1, 2, 4, 4 ms) meet the lock
    expect(landed).toEqual([]);
    expect(q.waitingWrites).toBe(2);
    lock.held = false;
    // Same tick: the lock is free, but a and b have not been retried yet; c must wait behind them.
    const c = q.write(op(lock, landed, 'c'));
    expect(landed).toEqual([]);
    const all = Promise.all([a, b, c]);
    await vi.advanceTimersByTimeAsync(4);
    expect(await all).toEqual(['a', 'b', 'c']);
    expect(landed).toEqual(['a', 'b', 'c']);
    expect(q.waitingWrites).toBe(0);
  });

  it('runs a write at once when nothing waits, and never retries a write that failed otherwise', async () => {
    const q = queue();
    const landed: string[] = [];
    const first = q.write(op({ held: false }, landed, 'now'));
    expect(landed).toEqual(['now']);
    await first;
    let attempts = 0;
    const failing = q.write(() => {
      attempts += 1;
      throw new Error('constraint');
    });
    await expect(failing).rejects.toThrow('constraint');
    expect(attempts).toBe(1);
    expect(await q.write(op({ held: false }, landed, 'after'))).toBe('after');
  });

  it('lets reads pass writes that wait for a lock, and retries a read that meets one', async () => {
    const q = queue();
    const writeLock = { held: true };
    const readLock = { held: true };
    const landed: string[] = [];
    const write = q.write(op(writeLock, landed, 'write'));
    expect(await q.read(op({ held: false }, landed, 'read-1'))).toBe('read-1');
    const slowRead = op(readLock, landed, 'read-2');
    const read = q.read(slowRead);
    await vi.advanceTimersByTimeAsync(5);
    expect(slowRead.attempts()).toBeGreaterThan(1); // retried while the lock was held
    readLock.held = false;
    await vi.advanceTimersByTimeAsync(4);
    expect(await read).toBe('read-2');
    expect(landed).toEqual(['read-1', 'read-2']);
    writeLock.held = false;
    await vi.advanceTimersByTimeAsync(4);
    expect(await write).toBe('write');
  });

  it('rejects everything waiting on close, and everything after', async () => {
    const q = queue();
    const lock = { held: true };
    const landed: string[] = [];
    const waiting = [
      q.write(op(lock, landed, 'w1')),
      q.write(op(lock, landed, 'w2')),
      q.read(op(lock, landed, 'r')),
    ];
    q.close(() => new Error('closed'));
    const results = await Promise.allSettled(waiting);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    lock.held = false;
    await vi.advanceTimersByTimeAsync(10);
    expect(landed).toEqual([]);
    expect(vi.getTimerCount()).toBe(0); // no retry left behind
    await expect(q.write(op(lock, landed, 'late'))).rejects.toThrow('closed');
    await expect(q.read(op(lock, landed, 'late'))).rejects.toThrow('closed');
  });

  it('tries a locked write again on each turn of the event loop while the spin lasts, then on timers', async () => {
    let clock = 0;
    const q = new LockWaitQueue({
      isLocked: (error) => error instanceof Locked,
      spinMs: 1,
      firstDelayMs: 1,
      maxDelayMs: 4,
      now: () => clock,
    });
    const lock = { held: true };
    const landed: string[] = [];
    const first = op(lock, landed, 'first');
    const landing = q.write(first);
    await turns(5);
    // Retried turn after turn, no timer: a sibling's short write lock is gone a turn later.
    expect(first.attempts()).toBeGreaterThanOrEqual(5);
    expect(vi.getTimerCount()).toBe(0);
    lock.held = false;
    await turns(2);
    expect(await landing).toBe('first');

    lock.held = true;
    const second = op(lock, landed, 'second');
    const waiting = q.write(second);
    await turns(2);
    clock = 1; // the spin is over: a lock held this long waits on the timers
    await turns(3);
    const attemptsAtTimer = second.attempts();
    expect(vi.getTimerCount()).toBe(1);
    await turns(3);
    expect(second.attempts()).toBe(attemptsAtTimer);
    lock.held = false;
    await vi.advanceTimersByTimeAsync(1);
    expect(await waiting).toBe('second');
    expect(landed).toEqual(['first', 'second']);
  });

  it('stops spinning on close', async () => {
    const q = new LockWaitQueue({ isLocked: (error) => error instanceof Locked, now: () => 0 });
    const lock = { held: true };
    const spinning = op(lock, [], 'never');
    const write = q.write(spinning);
    await turns(2);
    q.close(() => new Error('closed'));
    await expect(write).rejects.toThrow('closed');
    const attempts = spinning.attempts();
    await turns(3);
    expect(spinning.attempts()).toBe(attempts);
  });
});
