import { sourceOfRequestKey } from '../../src/relay/ids.js';
import type { RelayBatch, RelayRecord, SlackMessageRef } from '../../src/relay/types.js';

let sequence = 0;

/** A fixed epoch keeps timestamps readable in failures and far below any real `Date.now()`. */
export const BASE_TIME = 1_700_000_000_000;

/**
 * A valid relay record whose id, requestKey and Slack ref are unique per call, so records never
 * collide unless a test makes them. Passing `slack: undefined` (or any optional field as
 * undefined) leaves the key out entirely, as a store would give it back.
 */
export function makeRecord(overrides: Partial<RelayRecord> = {}): RelayRecord {
  sequence += 1;
  const n = String(sequence).padStart(6, '0');
  const record: RelayRecord = {
    id: `rl_test${n}`,
    requestKey: `command:T0TEST:trigger.${n}`,
    slack: makeSlackRef(`1700000000.${n}`),
    senderId: 'U0SENDER',
    originChannelId: 'C0ORIGIN',
    text: `hello ${n}`,
    content: `hello ${n}\n— from Slack`,
    recipientsInput: ['alice'],
    recipients: ['FSUID_ALICE'],
    serviceId: 'FSAID_SERVICE',
    batches: [],
    status: 'pending',
    createdAt: BASE_TIME + sequence,
    updatedAt: BASE_TIME + sequence,
    ...overrides,
  };
  // Every record the bridge writes has a source, the one its request key names (as the intake
  // sets it); a record without one is migrated when a store opens.
  if (!Object.hasOwn(overrides, 'source')) {
    const source = sourceOfRequestKey(record.requestKey);
    if (source) record.source = source;
  }
  const keys = Object.keys(record) as (keyof RelayRecord)[];
  for (const key of keys) {
    if (record[key] === undefined) delete record[key];
  }
  return record;
}

export function makeSlackRef(ts: string, overrides: Partial<SlackMessageRef> = {}): SlackMessageRef {
  return { teamId: 'T0TEST', channelId: 'C0RECEIPTS', ts, ...overrides };
}

export function makeBatch(index: number, overrides: Partial<RelayBatch> = {}): RelayBatch {
  return {
    index,
    recipients: [`FSUID_${index}_A`, `FSUID_${index}_B`],
    status: 'pending',
    thirdTraceId: `third-${index}`,
    ...overrides,
  };
}
