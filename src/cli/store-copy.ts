/**
 * `fx-bridge store copy --from <url> --to <url>`: every relay of one store into another (store/copy.ts),
 * with a progress line on stderr and a count check at the end. The URLs are shown without their
 * passwords; the command needs no Slack or Fxiaoke configuration.
 */
import { DEFAULTS } from '../config.js';
import { copyInstallations } from '../installs/copy.js';
import { type CopyProgress, type CopyReport, copyRelays } from '../store/copy.js';
import { installationsOf, openStore, parseStoreUrl } from '../store/index.js';
import type { RelayStore } from '../store/interface.js';
import { isScannable, type ScannableStore } from '../store/scan.js';
import { describeStore } from './check.js';
import { type CliIo, EXIT, type ExitCode, UsageError } from './io.js';

export interface StoreCopyOptions {
  from: string;
  to: string;
  /** Key prefix of a Redis store on either side (default fxb:, as REDIS_KEY_PREFIX). */
  keyPrefix: string;
  /** PEM file of the authority of a PostgreSQL server's certificate (as POSTGRES_CA_FILE). */
  caFile: string | undefined;
  /** How often the progress line is printed at most (ms); every page when 0. */
  progressEveryMs?: number;
  now?: () => number;
}

const HINT = 'fx-bridge store copy --help';

export async function runStoreCopy(io: CliIo, options: StoreCopyOptions): Promise<ExitCode> {
  for (const [flag, url] of [
    ['--from', options.from],
    ['--to', options.to],
  ] as const) {
    let kind: string;
    try {
      kind = parseStoreUrl(url).kind;
    } catch (error) {
      throw new UsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}`, HINT);
    }
    if (kind === 'memory') throw new UsageError(`${flag}: a memory: store holds nothing to copy`, HINT);
  }
  if (options.from.trim() === options.to.trim()) {
    throw new UsageError('--from and --to name the same store', HINT);
  }
  const from = await open(options.from, options);
  try {
    const to = await open(options.to, options);
    try {
      io.err(`Copying relays from ${describeStore(options.from)} to ${describeStore(options.to)}`);
      const now = options.now ?? Date.now;
      const started = now();
      let shownAt = Number.NEGATIVE_INFINITY;
      const report = await copyRelays(from, to, {
        onProgress: (progress) => {
          if (now() - shownAt < (options.progressEveryMs ?? 1_000)) return;
          shownAt = now();
          io.err(progressLine(progress, now() - started));
        },
      });
      io.err(progressLine(report, now() - started));
      io.out(summary(report));
      // Install mode's installations come along, still sealed (installs/copy.ts).
      const installs = await copyInstallations(installationsOf(from), installationsOf(to));
      if (installs.read > 0 || installs.present > 0) {
        io.out(
          `Installations: ${installs.read} read, ${installs.copied} copied, ${installs.present} already there` +
            (installs.differing > 0 ? ` (${installs.differing} differing, left as they were)` : ''),
        );
      }
      return report.complete ? EXIT.ok : EXIT.failed;
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

async function open(url: string, options: StoreCopyOptions): Promise<RelayStore & ScannableStore> {
  const store = await openStore(url, {
    redisKeyPrefix: options.keyPrefix,
    postgres: { ...DEFAULTS.postgres, ...(options.caFile ? { caFile: options.caFile } : {}) },
  });
  if (!isScannable(store)) {
    await store.close();
    throw new UsageError(`${describeStore(url)} cannot be read whole`, HINT);
  }
  return store;
}

const number = (value: number) => value.toLocaleString('en-US');

function progressLine(progress: CopyProgress, elapsedMs: number): string {
  const percent = progress.total > 0 ? Math.floor((progress.read / progress.total) * 100) : 100;
  const rate = elapsedMs > 0 ? Math.round((progress.read / elapsedMs) * 1000) : 0;
  const conflicts = progress.conflicts > 0 ? `, ${number(progress.conflicts)} in conflict` : '';
  return (
    `  ${number(progress.read)} / ${number(progress.total)} relays (${percent}%): ` +
    `${number(progress.copied)} copied, ${number(progress.present)} already there${conflicts} · ${number(rate)}/s`
  );
}

function summary(report: CopyReport): string {
  const lines: string[] = [];
  if (report.complete) {
    lines.push(
      `✓ ${number(report.sourceCount)} relays in the source, all in the destination ` +
        `(${number(report.copied)} copied now, ${number(report.present)} there already); ` +
        `the destination holds ${number(report.destinationAfter)}.`,
    );
  } else {
    lines.push(
      `✗ count check failed: the source holds ${number(report.sourceCount)} relays and ${number(report.read)} were read; ` +
        `${number(report.copied)} copied, ${number(report.present)} there already, ${number(report.conflicts)} in conflict; ` +
        `the destination went from ${number(report.destinationBefore)} to ${number(report.destinationAfter)}.`,
    );
    if (report.read !== report.sourceCount) {
      lines.push(
        '  The source changed during the copy: stop every bridge using it, then run the copy again.',
      );
    }
  }
  for (const { id, heldBy } of report.conflicting) {
    lines.push(`  ${id} not copied: relay ${heldBy} of the destination has its request key or Slack message`);
  }
  if (report.differing > 0) {
    lines.push(
      `  ${number(report.differing)} relays were there already but differ from the source (copied before the source last changed); ` +
        'they were left as they are.',
    );
  }
  if (report.inWork > 0) {
    lines.push(
      `  ${number(report.inWork)} relays were in work (received, pending, revoking, syncing): a bridge on the ` +
        'destination takes them over once their leases run out.',
    );
  }
  return lines.join('\n');
}
