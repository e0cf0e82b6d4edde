import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { MemoryRelayStore } from '../../src/store/memory-store.js';
import { describeRelayStoreContract, rejectionOf } from './contract.js';
import { describeInstallationContract } from './installation-contract.js';
import { makeRecord } from './records.js';

describeRelayStoreContract('memory', async () => new MemoryRelayStore());
describeInstallationContract('memory', async () => new MemoryRelayStore());

describe('MemoryRelayStore', () => {
  it('stamps updates with the injected clock', async () => {
    const store = new MemoryRelayStore({ now: () => 1_234 });
    const record = makeRecord();
    await store.create(record);
    expect((await store.update(record.id, { status: 'sent' })).updatedAt).toBe(1_234);
  });

  it('rejects every call with a StoreError once closed', async () => {
    const store = new MemoryRelayStore();
    const record = makeRecord();
    await store.create(record);
    await store.close();
    expect(await rejectionOf(store.findById(record.id))).toBeInstanceOf(StoreError);
    expect(await rejectionOf(store.create(makeRecord()))).toBeInstanceOf(StoreError);
  });
});
