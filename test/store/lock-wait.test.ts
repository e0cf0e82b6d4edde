/**
 * LockWaitQueue with operations that throw a fake "locked" error on demand: FIFO for writes even
 * when the lock frees between two calls, reads past waiting writes, retries, close.
 */
import { describe, expect, it } from 'vitest';
import { LockWaitQueue } from '../../src/store/lock-wait.js';

class Locked extends Error {}

function queue() {
  return new LockWaitQueue({ isLocked: (error) => error instanceof Locked, firstDelayMs: 1, maxDelayMs: 4 });
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
  it('lands writes in issue order, also one issued after the lock frees but before a retry', async () => {
    const q = queue();
    const lock = { held: true };
    const landed: string[] = [];
    const a = q.write(op(lock, landed, 'a'));
    const b = q.write(op(lock, landed, 'b'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(landed).toEqual([]);
    expect(q.waitingWrites).toBe(2);
    lock.held = false;
    // Same tick: the lock is free, but a and b have not been retried yet; c must wait behind them.
    const c = q.write(op(lock, landed, 'c'));
    expect(landed).toEqual([]);
    expect(await Promise.all([a, b, c])).toEqual(['a', 'b', 'c']);
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
    await new Promise((resolve) => setTimeout(resolve, 5));
    readLock.held = false;
    expect(await read).toBe('read-2');
    expect(slowRead.attempts()).toBeGreaterThan(1);
    expect(landed).toEqual(['read-1', 'read-2']);
    writeLock.held = false;
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
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(landed).toEqual([]);
    await expect(q.write(op(lock, landed, 'late'))).rejects.toThrow('closed');
    await expect(q.read(op(lock, landed, 'late'))).rejects.toThrow('closed');
  });
});
