/** Builds `RelayDeps` over a MemoryRelayStore and a FakeFxiaoke, with a hand-driven clock and ids. */
import { DEFAULT_FILE_CONFIG, DEFAULTS } from '../../src/config.js';
import { type RelayDeps, type RelayLog, type RelaySettings, relayDeps } from '../../src/relay/deps.js';
import { claimLease } from '../../src/relay/lease.js';
import type { RelayRecord, RelayStatus } from '../../src/relay/types.js';
import { MemoryRelayStore } from '../../src/store/memory-store.js';
import { FakeFxiaoke } from './fake-fxiaoke.js';

export const START = 1_700_000_000_000;

/** The relay timings a bridge runs with by default (config.ts DEFAULTS). */
export function defaultTimings(): Pick<RelayDeps, 'leaseMs' | 'resumeLimitMs' | 'intakeTimeoutMs'> {
  return {
    leaseMs: DEFAULTS.work.leaseSeconds * 1000,
    resumeLimitMs: DEFAULTS.work.resumeLimitSeconds * 1000,
    intakeTimeoutMs: DEFAULTS.work.intakeTimeoutMs,
  };
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  details: object;
  message: string;
}

export class RecordingLog implements RelayLog {
  readonly entries: LogEntry[] = [];
  info(details: object, message: string): void {
    this.entries.push({ level: 'info', details, message });
  }
  warn(details: object, message: string): void {
    this.entries.push({ level: 'warn', details, message });
  }
  error(details: object, message: string): void {
    this.entries.push({ level: 'error', details, message });
  }
  messages(level: LogEntry['level']): string[] {
    return this.entries.filter((entry) => entry.level === level).map((entry) => entry.message);
  }
}

export function testSettings(overrides: Partial<RelaySettings> = {}): RelaySettings {
  return {
    aliases: { sales: ['FSUID_S1', 'FSUID_S2'], Support: ['1001', 'FSUID_S1'] },
    slackUsers: { U0ALICE: 'FSUID_ALICE' },
    admins: ['U0ADMIN'],
    messageTemplate: '{sender} (via Slack #{channel}):\n{text}',
    maxMessageLength: 100,
    maxRecipients: 5000,
    sync: DEFAULT_FILE_CONFIG.sync,
    ...overrides,
  };
}

export interface TestRelay {
  deps: RelayDeps;
  store: MemoryRelayStore;
  fake: FakeFxiaoke;
  log: RecordingLog;
  clock: { now: number };
  /** What the use-cases reported to the metrics observer, in order. */
  observed: { relaysFinished: RelayStatus[]; revokesFinished: string[] };
}

export function testRelay(
  options: { fake?: FakeFxiaoke; settings?: Partial<RelaySettings>; store?: MemoryRelayStore } = {},
): TestRelay {
  const clock = { now: START };
  const store = options.store ?? new MemoryRelayStore({ now: () => clock.now });
  const fake = options.fake ?? new FakeFxiaoke();
  const log = new RecordingLog();
  let relays = 0;
  let traces = 0;
  const observed: TestRelay['observed'] = { relaysFinished: [], revokesFinished: [] };
  const deps = relayDeps({
    ...defaultTimings(),
    store,
    fxiaoke: fake,
    settings: testSettings(options.settings),
    log,
    now: () => clock.now,
    newRelayId: () => `rl_unit${String(++relays).padStart(4, '0')}`,
    newThirdTraceId: () => `third-${++traces}`,
    observer: {
      relayFinished: (status) => observed.relaysFinished.push(status),
      revokeFinished: (outcome) => observed.revokesFinished.push(outcome),
    },
  });
  return { deps, store, fake, log, clock, observed };
}

/** The record with this process's lease, as a takeover claims it before resuming (lease.ts). */
export async function claimed(relay: TestRelay, record: RelayRecord): Promise<RelayRecord> {
  const mine = await claimLease(relay.deps, record);
  if (!mine) throw new Error(`could not claim ${record.id}`);
  return mine;
}
