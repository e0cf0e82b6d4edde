/** Stopping and starting: a clean stop finishes relays under way; a crash is recovered at start. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { makeRecord } from '../store/records.js';
import { Harness, SENDER_ID } from './harness.js';

const SEND = '/cgi/app/message/send';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('lifecycle', () => {
  it('finishes a fan-out under way before a clean stop closes the store', async () => {
    const users = generateUsers(1200);
    harness = await Harness.start({
      emulator: { users },
      fileConfig: `aliases:\n  all: [${users.map((u) => u.openUserId).join(', ')}]\n`,
    });
    harness.emulator.addFault({
      fault: { type: 'latency', ms: 150 },
      path: SEND,
      times: Number.POSITIVE_INFINITY,
    });
    await harness.command('all stop gently');
    await harness.slack.waitFor(() => harness!.emulator.requestsTo(SEND).length >= 1);

    await harness.bridge.stop(); // while batches 2 and 3 are still to go
    expect(harness.emulator.messages).toHaveLength(3);
    const { openSqliteStore } = await import('../../src/store/sqlite-store.js');
    const store = await openSqliteStore({ path: harness.env.STORE_URL!.replace(/^sqlite:/, '') });
    const [record] = await store.listBySender(SENDER_ID, 1);
    await store.close();
    expect(record?.status).toBe('sent');
    expect(record?.batches.map((batch) => batch.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('marks relays a crash left pending as unknown at the next start, keeping what was sent', async () => {
    harness = await Harness.start();
    const crashed = makeRecord({
      createdAt: Date.now(),
      updatedAt: Date.now(),
      senderId: SENDER_ID,
      status: 'pending',
      serviceId: 'FSAID_svc0001',
      batches: [
        {
          index: 0,
          recipients: ['FSUID_A'],
          status: 'sent',
          thirdTraceId: 't-0',
          traceId: 'E-O.sent',
          messageId: 'm-0',
        },
        { index: 1, recipients: ['FSUID_B'], status: 'pending', thirdTraceId: 't-1' },
      ],
    });
    await harness.bridge.store.create(crashed);
    await harness.restart();

    // Taken over at the start and resumed in the work queue: wait for the record to settle.
    const recovered = await vi.waitFor(
      async () => {
        const record = await harness!.bridge.store.findById(crashed.id);
        if (record?.status === 'pending') throw new Error(`relay ${crashed.id} still pending`);
        return record;
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(recovered?.status).toBe('partial');
    expect(recovered?.batches.map((batch) => batch.status)).toEqual(['sent', 'unknown']);
    expect(recovered?.batches[0]?.messageId).toBe('m-0');
    expect(harness.logLines.join('\n')).toContain('took over a relay nobody was working on');
  });

  it('prunes finished relays past RETENTION_DAYS at start, and never one in progress', async () => {
    harness = await Harness.start({ env: { RETENTION_DAYS: '7' } });
    const longAgo = Date.now() - 8 * 86_400_000;
    const finished = makeRecord({ status: 'revoked', createdAt: longAgo, updatedAt: longAgo });
    const recent = makeRecord({ status: 'sent', createdAt: Date.now(), updatedAt: Date.now() });
    await harness.bridge.store.create(finished);
    await harness.bridge.store.create(recent);
    await harness.restart();
    await harness.slack.waitFor(() =>
      harness!.logLines.some((line) => line.includes('pruned relays past retention')),
    );
    expect(await harness.bridge.store.findById(finished.id)).toBeUndefined();
    expect(await harness.bridge.store.findById(recent.id)).toBeDefined();
  });
});
