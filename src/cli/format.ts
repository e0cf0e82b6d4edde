/**
 * Pure text for the CLI: relay tables and details for support, and the `check` report. No I/O here,
 * so every line is unit-tested as it will be read.
 */
import { slackMessageKey, sourceOf } from '../relay/ids.js';
import { assertNever, workOf } from '../relay/lifecycle.js';
import type { RelayBatch, RelayError, RelayRecord } from '../relay/types.js';

export interface CheckLine {
  name: string;
  /**
   * `skipped` when an earlier failure made the check meaningless; `warn` when it works but may lose
   * something (a Redis that persists nothing): shown, but it fails nothing.
   */
  outcome: 'pass' | 'warn' | 'fail' | 'skipped';
  detail: string;
}

const MARKS: Record<CheckLine['outcome'], string> = { pass: '✓', warn: '!', fail: '✗', skipped: '-' };

/** One line per check; the detail may span lines (config problems), indented under the name. */
export function formatCheckReport(lines: readonly CheckLine[]): string {
  const width = Math.max(...lines.map((line) => line.name.length));
  const body = lines.map((line) => {
    const [first = '', ...rest] = line.detail.split('\n');
    const head = `${MARKS[line.outcome]} ${line.name.padEnd(width)}  ${first}`;
    const indent = ' '.repeat(width + 4);
    return [head, ...rest.map((more) => `${indent}${more}`)].join('\n');
  });
  const failed = lines.filter((line) => line.outcome === 'fail').length;
  const warned = lines.filter((line) => line.outcome === 'warn').length;
  const warnings = warned === 0 ? '' : ` ${warned} warning${warned === 1 ? '' : 's'} (!) above.`;
  const summary =
    failed === 0
      ? `All checks passed.${warnings}`
      : `${failed} check${failed === 1 ? '' : 's'} failed; fx-bridge would not work as configured.${warnings}`;
  return `${body.join('\n')}\n\n${summary}`;
}

/** UTC, to the second: support compares these with Fxiaoke's and Slack's logs across time zones. */
export function formatTime(epochMs: number | undefined): string {
  if (epochMs === undefined || !Number.isFinite(epochMs)) return '—';
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : word.endsWith('ch') ? 'es' : 's'}`;
}

/** A fixed-width table; the last column may be as long as it likes. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatRelayList(records: readonly RelayRecord[]): string {
  if (records.length === 0) return 'No relays found.';
  const rows = records.map((record) => [
    formatTime(record.createdAt),
    record.id,
    record.status,
    record.senderId,
    String(record.recipients.length),
    String(record.batches.length),
    record.slack ? slackMessageKey(record.slack) : '—',
  ]);
  const table_ = table(
    ['CREATED (UTC)', 'RELAY', 'STATUS', 'SENDER', 'RECIPIENTS', 'BATCHES', 'SLACK MESSAGE'],
    rows,
  );
  return `${table_}\n\n${plural(records.length, 'relay')}, newest first.`;
}

/** `message T:C:ts (send #2)`, `command`, …: the door and, for a relayed message, which one. */
function describeSource(record: RelayRecord): string {
  const source = sourceOf(record);
  if (!source) return '—';
  const message = source.slack ? ` ${slackMessageKey(source.slack)}` : '';
  return `${source.door}${message}${source.repeat ? ` (send #${source.repeat})` : ''}`;
}

function describeRelayError(error: RelayError): string {
  const parts = [
    error.code !== undefined ? `errorCode ${error.code}` : undefined,
    error.traceId ? `traceId ${error.traceId}` : undefined,
    error.kind,
  ].filter(Boolean);
  return `${error.message} (${parts.join(', ')})`;
}

/** The message text on one line, clipped: enough to recognise it, not to reproduce it. */
function preview(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function batchLines(batch: RelayBatch): string[] {
  const lines = [
    `  #${batch.index + 1}  ${batch.status.padEnd(7)}  ${plural(batch.recipients.length, 'recipient')}`,
    `      messageId     ${batch.messageId ?? '—'}`,
    `      traceId       ${batch.traceId ?? '—'}`,
    `      thirdTraceId  ${batch.thirdTraceId}`,
  ];
  if (batch.sentAt !== undefined) lines.push(`      sent at       ${formatTime(batch.sentAt)}`);
  if (batch.error) lines.push(`      error         ${describeRelayError(batch.error)}`);
  if (batch.revokedAt !== undefined || batch.revokeTraceId) {
    lines.push(
      `      revoked       ${formatTime(batch.revokedAt)}${batch.revokeTraceId ? ` (traceId ${batch.revokeTraceId})` : ''}`,
    );
  }
  if (batch.revokeError) lines.push(`      revoke error  ${describeRelayError(batch.revokeError)}`);
  return lines;
}

/** What the relay is doing (relay/lifecycle.ts), and which process holds it until when. */
function describeWork(record: RelayRecord): string {
  const work = workOf(record);
  const lease = record.lease ? ` · lease ${record.lease.owner} until ${formatTime(record.lease.until)}` : '';
  switch (work.type) {
    case 'idle':
      return '—';
    case 'intake':
      return `intake: recorded, not carried out yet${lease}`;
    case 'sending':
      return `sending${lease}`;
    case 'revoking':
      return `revoking, asked by ${work.actorId}${lease}`;
    case 'updating': {
      const step = work.step === 'revoking_old' ? 'revoking the old copies' : 'sending the new text';
      return `updating (${work.request.via}): ${step}, asked by ${work.request.actorId}${lease}`;
    }
    case 'asking':
      return `asking the sender about ${work.offer?.kind === 'delete' ? 'a delete' : 'an edit'} in Slack${lease}`;
    case 'following': {
      const change = work.change;
      const what =
        change?.kind === 'delete'
          ? 'a delete'
          : plural(change?.edits ?? 1, 'edit').replace(/^1 edit$/, 'an edit');
      return `following ${what} of the Slack message, from ${work.actsFrom}${lease}`;
    }
    default:
      return assertNever(work);
  }
}

export function formatRelayDetails(record: RelayRecord): string {
  const field = (name: string, value: string) => `${name.padEnd(17)}${value}`;
  const lines = [
    `Relay ${record.id}`,
    field('status', record.status),
    field('work', describeWork(record)),
    field('sender', record.senderId),
    field('recipients', `${record.recipients.length} (typed: ${record.recipientsInput.join(', ') || '—'})`),
    field('Slack message', record.slack ? slackMessageKey(record.slack) : '— (not keyed to a message)'),
    field('origin channel', record.originChannelId),
    field('request key', record.requestKey),
    field('source', describeSource(record)),
    ...(record.installation ? [field('workspace', `${record.installation} (install mode)`)] : []),
    field('service account', record.serviceId ?? '— (plain send: Fxiaoke cannot revoke it)'),
    field('created', formatTime(record.createdAt)),
    field('updated', formatTime(record.updatedAt)),
    field('revoked by', record.revokedBy ? `${record.revokedBy} at ${formatTime(record.revokedAt)}` : '—'),
  ];
  if (record.error) lines.push(field('error', describeRelayError(record.error)));
  // Work ended, its sender not told yet (relay/owed.ts): told by this owner, or by a takeover.
  if (record.owed) {
    const { kind, to, owner, until } = record.owed;
    const who = to ? ` to ${to}` : '';
    lines.push(field('answer owed', `${kind}${who} · by ${owner} until ${formatTime(until)}`));
  }
  if (record.format === 'card') {
    lines.push(
      field('sent as', record.card ? `a card: "${record.card.title}", link ${record.card.url}` : 'a card'),
    );
  }
  lines.push(field('text', preview(record.text)));
  lines.push('', `${plural(record.batches.length, 'batch')}:`);
  for (const batch of record.batches) lines.push(...batchLines(batch));
  return lines.join('\n');
}
