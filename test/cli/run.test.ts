/** The command line: help, usage errors, exit codes, and the store commands on a real SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { makeBatch, makeRecord, makeSlackRef } from '../store/records.js';
import { captureIo, cliEnv } from './cli-env.js';

const DAY = 86_400_000;
let dir: string;
let env: Record<string, string | undefined>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fx-bridge-cli-'));
  env = cliEnv(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function seed(records: RelayRecord[]): Promise<void> {
  const store = openSqliteStore({ path: join(dir, 'data', 'fx-bridge.db') });
  for (const record of records) await store.create(record);
  await store.close();
}

async function run(...argv: string[]) {
  const io = captureIo(env);
  const code = await runCli(argv, io);
  return { code, io, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('help and usage', () => {
  it('prints the overview for --help, -h and help, exit 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const { code, out } = await run(flag);
      expect(code).toBe(0);
      expect(out).toContain('Usage: fx-bridge <command> [options]');
      for (const command of ['start', 'check', 'prune', 'relays list', 'relays show'])
        expect(out).toContain(command);
      expect(out).toContain('78 configuration error');
    }
  });

  it('has help for every command, without needing any configuration', async () => {
    env = {};
    const topics: Array<[string[], string]> = [
      [['start', '--help'], 'Usage: fx-bridge start'],
      [['check', '--help'], 'Usage: fx-bridge check'],
      [['prune', '-h'], 'Usage: fx-bridge prune [--older-than-days N]'],
      [['relays', '--help'], 'Usage: fx-bridge relays <list|show>'],
      [['relays', 'list', '--help'], 'Usage: fx-bridge relays list'],
      [['relays', 'show', '--help'], 'Usage: fx-bridge relays show'],
    ];
    for (const [argv, usage] of topics) {
      const { code, out } = await run(...argv);
      expect(code, argv.join(' ')).toBe(0);
      expect(out).toContain(usage);
    }
  });

  it('answers usage errors with exit code 2 and a pointer to the right help', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /Usage: fx-bridge <command>/],
      [['launch'], /unknown command "launch"[\s\S]*fx-bridge --help/],
      [['check', '--verbose'], /Unknown option '--verbose'[\s\S]*fx-bridge check --help/],
      [['prune', '--older-than-days', 'ten'], /--older-than-days must be a whole number/],
      [['prune', '--older-than-days'], /argument missing|requires|--older-than-days/],
      [['relays'], /Usage: fx-bridge relays/],
      [['relays', 'delete'], /unknown relays command "delete"/],
      [['relays', 'list', '--status', 'sent,lost'], /unknown status "lost"/],
      [['relays', 'list', '--limit', '0'], /--limit must be a whole number of at least 1/],
      [['relays', 'show'], /needs one relay id/],
      [['relays', 'show', 'rl_a', 'rl_b'], /one relay at a time/],
      [['relays', 'show', 'T1:C1'], /neither a relay id/],
      [['start', 'now'], /Unexpected argument|positional/i],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await run(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(err, argv.join(' ')).toMatch(message);
    }
  });

  it('exits 78 with every configuration problem named when the configuration is invalid', async () => {
    env = { ...env, SLACK_BOT_TOKEN: undefined, PORT: 'eighty' };
    for (const argv of [['relays', 'list'], ['relays', 'show', 'rl_x'], ['prune'], ['start']]) {
      const { code, err } = await run(...argv);
      expect(code, argv.join(' ')).toBe(78);
      expect(err).toContain('SLACK_BOT_TOKEN is not set');
      expect(err).toContain('PORT must be a whole number');
    }
  });
});

describe('relays list', () => {
  const now = Date.now();
  const alice = (n: number, overrides: Partial<RelayRecord> = {}) =>
    makeRecord({ senderId: 'U0ALICE', createdAt: now - n * 60_000, updatedAt: now, ...overrides });

  it('lists relays newest first, with a limit, filtered by sender and status', async () => {
    const records = [
      alice(3, { status: 'sent' }),
      alice(2, { status: 'unknown' }),
      alice(1, { status: 'sent' }),
      makeRecord({ senderId: 'U0BOB', status: 'failed', createdAt: now, updatedAt: now }),
    ];
    await seed(records);
    const [a3, a2, a1, bob] = records.map((record) => record.id);

    const all = await run('relays', 'list');
    expect(all.code).toBe(0);
    const ids = (text: string) => [...text.matchAll(/rl_test\d+/g)].map((match) => match[0]);
    expect(ids(all.out)).toEqual([bob, a1, a2, a3]);
    expect(all.out).toMatch(/^CREATED \(UTC\) +RELAY +STATUS +SENDER +RECIPIENTS +BATCHES +SLACK MESSAGE/);
    expect(all.out).toContain('4 relays, newest first.');

    expect(ids((await run('relays', 'list', '--limit', '2')).out)).toEqual([bob, a1]);
    expect(ids((await run('relays', 'list', '--user', 'U0ALICE')).out)).toEqual([a1, a2, a3]);
    expect(ids((await run('relays', 'list', '--user', 'U0ALICE', '--user', 'U0BOB')).out)).toEqual([
      bob,
      a1,
      a2,
      a3,
    ]);
    expect(
      ids((await run('relays', 'list', '--user', 'U0ALICE', '--status', 'sent', '--limit', '1')).out),
    ).toEqual([a1]);
    expect(ids((await run('relays', 'list', '--status', 'unknown,failed')).out)).toEqual([bob, a2]);
    expect((await run('relays', 'list', '--user', 'U0NOBODY')).out).toBe('No relays found.');
  });

  it('lists one workspace’s relays with --workspace (install mode)', async () => {
    const one = alice(2, { status: 'sent', installation: 'T:T0ONE' });
    const org = alice(1, { status: 'sent', installation: 'E:E0ORG' });
    await seed([one, org]);
    const ids = (text: string) => [...text.matchAll(/rl_test\d+/g)].map((match) => match[0]);
    expect(ids((await run('relays', 'list', '--workspace', 'T0ONE')).out)).toEqual([one.id]);
    expect(ids((await run('relays', 'list', '--workspace', 'E:E0ORG', '--limit', '1')).out)).toEqual([
      org.id,
    ]);
    expect((await run('relays', 'show', org.id)).out).toMatch(/workspace +E:E0ORG \(install mode\)/);
    expect((await run('relays', 'list', '--workspace', 'nonsense')).code).toBe(2);
  });

  it('prints the records as JSON with --json', async () => {
    const record = alice(1, { status: 'sent' });
    await seed([record]);
    const { code, out } = await run('relays', 'list', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([record]);
  });
});

describe('relays show', () => {
  const record = makeRecord({
    id: 'rl_SHOWME',
    status: 'partial',
    senderId: 'U0ALICE',
    slack: makeSlackRef('1700000000.000900', { teamId: 'T0TEAM', channelId: 'C0CHAN' }),
    recipients: ['FSUID_A', 'FSUID_B', 'FSUID_C'],
    batches: [
      makeBatch(0, { status: 'sent', messageId: 'msg-1', traceId: 'E-O.trace.1', thirdTraceId: 'third-1' }),
      makeBatch(1, {
        status: 'unknown',
        thirdTraceId: 'third-2',
        error: { kind: 'interrupted', message: 'fx-bridge stopped while this batch was being sent.' },
      }),
    ],
  });

  it('finds a relay by id or by Slack message key and shows every batch', async () => {
    await seed([record]);
    for (const reference of ['rl_SHOWME', 'T0TEAM:C0CHAN:1700000000.000900']) {
      const { code, out } = await run('relays', 'show', reference);
      expect(code, reference).toBe(0);
      expect(out).toContain('Relay rl_SHOWME');
      expect(out).toMatch(/status +partial/);
      expect(out).toMatch(/sender +U0ALICE/);
      expect(out).toMatch(/recipients +3 \(typed: alice\)/);
      expect(out).toMatch(/Slack message +T0TEAM:C0CHAN:1700000000\.000900/);
      expect(out).toMatch(/revoked by +—/);
      expect(out).toContain('2 batches:');
      expect(out).toMatch(
        /#1 +sent +2 recipients\n +messageId +msg-1\n +traceId +E-O\.trace\.1\n +thirdTraceId +third-1/,
      );
      expect(out).toMatch(/#2 +unknown +2 recipients\n +messageId +—\n +traceId +—\n +thirdTraceId +third-2/);
      expect(out).toContain('error         fx-bridge stopped while this batch was being sent. (interrupted)');
    }
  });

  it('shows who revoked it', async () => {
    const revoked = makeRecord({
      status: 'revoked',
      revokedBy: 'U0ADMIN',
      revokedAt: Date.UTC(2024, 0, 2, 3, 4, 5),
      batches: [makeBatch(0, { status: 'revoked', messageId: 'm', revokeTraceId: 'E-O.rev.1' })],
    });
    await seed([revoked]);
    const { out } = await run('relays', 'show', revoked.id);
    expect(out).toMatch(/revoked by +U0ADMIN at 2024-01-02 03:04:05Z/);
    expect(out).toContain('(traceId E-O.rev.1)');
  });

  it('prints the record as JSON with --json', async () => {
    await seed([record]);
    const { code, out } = await run('relays', 'show', 'rl_SHOWME', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(record);
  });

  it('exits 1 when there is no such relay', async () => {
    await seed([record]);
    const byId = await run('relays', 'show', 'rl_NOPE');
    expect(byId.code).toBe(1);
    expect(byId.err).toBe('No relay with id rl_NOPE.');
    const byKey = await run('relays', 'show', 'T0TEAM:C0CHAN:1.2');
    expect(byKey.code).toBe(1);
    expect(byKey.err).toBe('No relay keyed by Slack message T0TEAM:C0CHAN:1.2.');
  });
});

describe('prune', () => {
  it('deletes finished relays older than RETENTION_DAYS by default and says how many', async () => {
    const old = Date.now() - 40 * DAY;
    const records = [
      makeRecord({ status: 'sent', createdAt: old }),
      makeRecord({ status: 'revoked', createdAt: old }),
      makeRecord({ status: 'pending', createdAt: old }),
      makeRecord({ status: 'sent', createdAt: Date.now() - 5 * DAY }),
    ];
    await seed(records);
    const first = await run('prune');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^Deleted 2 finished relays created more than 30 days ago/);

    const second = await run('prune', '--older-than-days', '1');
    expect(second.out).toMatch(/^Deleted 1 finished relay created more than 1 day ago/);
    const left = await run('relays', 'list', '--json');
    expect((JSON.parse(left.out) as RelayRecord[]).map((record) => record.status)).toEqual(['pending']);
  });

  it('prunes nothing by default when RETENTION_DAYS is 0 (keep forever)', async () => {
    await seed([makeRecord({ status: 'sent', createdAt: Date.now() - 400 * DAY })]);
    env = { ...env, RETENTION_DAYS: '0' };
    const { code, out } = await run('prune');
    expect(code).toBe(0);
    expect(out).toContain('nothing pruned');
    expect((await run('prune', '--older-than-days', '0')).out).toMatch(/^Deleted 1 finished relay /);
  });
});
