/**
 * What a violation prints: the seed, the operation, and the smallest history that shows it — the
 * operations that touched the send (and the faults, kills and outages between them), what Slack
 * delivered and answered, what the user read, what Fxiaoke received and holds, what the store
 * says — with the command that replays just those operations.
 */
import type { History, Violation } from './history.js';
import { describeOp, type PlannedOp } from './plan.js';
import { View } from './rules.js';

const CONTEXT_KINDS = new Set(['fault', 'kill', 'restart', 'store-down', 'store-up']);

/**
 * The operations a send's story needs: the send, everything aimed at it, and the chaos (faults,
 * kills, outages) from the send until the last thing that happened to it (an answer, a call).
 */
export function opsTouching(history: History, send: number): PlannedOp[] {
  const view = new View(history);
  const direct = history.plan.filter((planned) => view.sendOfOp(planned.index) === send);
  if (direct.length === 0) return [];
  const first = direct[0]!.index;
  const relays = new Set(
    history.relays.filter((relay) => view.sendOfRelay(relay.id) === send).map((r) => r.id),
  );
  const times = [
    ...history.statements
      .filter(
        (statement) =>
          statement.via !== 'receipt' &&
          (view.sendOfOp(statement.op) === send ||
            statement.claims.some((claim) => relays.has(claim.relayId ?? ''))),
      )
      .map((statement) => statement.at),
    ...history.fxRequests.filter((request) => request.tags.some((tag) => tag.send === send)).map((r) => r.at),
    ...direct.map((planned) => history.ops.find((op) => op.index === planned.index)?.startedAt ?? 0),
  ];
  const until = Math.max(...times);
  const started = (index: number) => history.ops.find((op) => op.index === index)?.startedAt ?? 0;
  return history.plan.filter(
    (planned) =>
      view.sendOfOp(planned.index) === send ||
      (CONTEXT_KINDS.has(planned.op.kind) && planned.index >= first && started(planned.index) <= until),
  );
}

/** The command line that ran the campaign (`npm run chaos -- --seed 5 --ops 200 …`); `--only` is added. */
export type ReplayCommand = string;

function clip(text: string, max = 160): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function formatViolation(history: History, violation: Violation, replay: ReplayCommand): string {
  const view = new View(history);
  const t0 = history.plan.length > 0 ? (history.ops[0]?.startedAt ?? 0) : 0;
  const at = (ms: number) => (Number.isFinite(ms) ? `+${((ms - t0) / 1000).toFixed(2)}s` : 'end');
  const lines = [
    `✗ ${violation.rule} · seed ${history.seed} · op #${violation.op ?? violation.send ?? '?'}${violation.relayId ? ` · ${violation.relayId}` : ''}`,
    `  ${violation.message}`,
  ];
  const send = violation.send;
  if (send === undefined) return lines.join('\n');
  const ops = opsTouching(history, send);
  lines.push('  operations:');
  for (const planned of ops) {
    const record = history.ops.find((op) => op.index === planned.index);
    lines.push(`    ${describeOp(planned)}${record?.skipped ? ` — skipped: ${record.skipped}` : ''}`);
    for (const index of record?.deliveries ?? []) {
      const delivery = history.deliveries[index]!;
      lines.push(
        `      ${at(delivery.sentAt)} ${delivery.what}${delivery.attempt ? ` retry ${delivery.attempt}` : ''} → replica ${delivery.replica}: ${delivery.status ?? delivery.error ?? '?'}${delivery.ackBody ? ` ${clip(delivery.ackBody, 80)}` : ''}`,
      );
    }
  }
  const relays = history.relays.filter((relay) => view.sendOfRelay(relay.id) === send);
  const said = history.statements.filter(
    (statement) =>
      statement.tags.some((tag) => tag.send === send) ||
      statement.claims.some((claim) => relays.some((relay) => relay.id === claim.relayId)) ||
      view.sendOfOp(statement.op) === send,
  );
  if (said.length > 0) lines.push('  what the user read:');
  for (const statement of said.sort((a, b) => a.at - b.at))
    lines.push(
      `    ${at(statement.at)} ${statement.via}${statement.heard ? '' : ' (not delivered by Slack)'}: [${statement.claims.map((c) => c.kind).join(', ') || '—'}] ${clip(statement.text)}`,
    );
  const requests = history.fxRequests.filter(
    (request) =>
      request.tags.some((tag) => tag.send === send) ||
      (request.messageId !== undefined &&
        view.messagesOf(send).some((m) => m.messageId === request.messageId)),
  );
  if (requests.length > 0) lines.push('  what Fxiaoke received:');
  for (const request of requests)
    lines.push(
      `    ${at(request.at)} ${request.path} ${request.tags.map((t) => `(cx s${t.send} e${t.edit})`).join(' ')}${request.messageId ?? ''} → ${request.status ?? 'no answer'}${request.fault ? ` [fault ${request.fault}]` : ''}`,
    );
  for (const message of view.messagesOf(send))
    lines.push(
      `    holds ${message.messageId} (cx s${message.tag?.send} e${message.tag?.edit}) since ${at(message.at)}${message.revoked ? `, revoked ${at(message.revokedAt ?? 0)}` : ', live'}`,
    );
  if (relays.length > 0) lines.push('  what the store says:');
  for (const relay of relays) {
    const versions = [...(relay.versions ?? []), { text: relay.text, batches: relay.batches }];
    lines.push(
      `    ${relay.id} ${relay.status}: ${versions
        .map(
          (version) =>
            `"${clip(version.text, 40)}" [${version.batches.map((b) => `${b.status}${b.messageId ? ` ${b.messageId}` : ''}${b.error ? ` (${b.error.kind})` : ''}`).join('; ')}]`,
        )
        .join(' → ')}`,
    );
  }
  lines.push(`  replay: ${replay} --only ${ops.map((planned) => planned.index).join(',')}`);
  return lines.join('\n');
}
