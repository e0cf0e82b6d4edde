import { describe, expect, it } from 'vitest';
import { Closers } from '../../src/util/closers.js';

describe('Closers', () => {
  it('closes in reverse order of opening, each once', async () => {
    const closed: string[] = [];
    const closers = new Closers();
    closers.add(() => {
      closed.push('store');
    });
    closers.add(async () => {
      closed.push('client');
    });
    closers.add(() => {
      closed.push('app');
    });
    await closers.closeAll();
    await closers.closeAll();
    expect(closed).toEqual(['app', 'client', 'store']);
  });

  it('runs every closer even when one fails, then rethrows the first failure', async () => {
    const closed: string[] = [];
    const closers = new Closers();
    closers.add(() => {
      closed.push('store');
    });
    closers.add(() => {
      throw new Error('client would not close');
    });
    closers.add(() => {
      throw new Error('app would not close');
    });
    await expect(closers.closeAll()).rejects.toThrow('app would not close');
    expect(closed).toEqual(['store']);
  });
});
