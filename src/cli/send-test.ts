/**
 * `fx-bridge check --send-test <recipient>`: sends one text message (to yourself, typically) through
 * the configured connection and prints Fxiaoke's raw answer with every secret cut out. What it shows
 * is what nobody outside Fxiaoke documents — where (and whether) a send's answer carries a message
 * id, which codes a tenant answers — so a user with a real tenant can tell the maintainers.
 */
import type { Config } from '../config.js';
import { secretsOf } from '../config.js';
import { FXIAOKE_PATHS, FxiaokeClient } from '../fxiaoke/client.js';
import { isFxiaokeError } from '../fxiaoke/errors.js';
import { fxiaokeConnection } from '../fxiaoke/from-config.js';
import { SecretScrubber } from '../logger.js';
import { type CliIo, EXIT, type ExitCode, UsageError } from './io.js';

const RECIPIENT = /^(FSUID_[0-9A-Za-z]+|\d{1,18})$/;

export function checkSendTestRecipient(recipient: string): void {
  if (!RECIPIENT.test(recipient)) {
    throw new UsageError(
      `--send-test takes one recipient: an FSUID_… openUserId or a numeric employee id, got "${recipient}"`,
      'fx-bridge check --help',
    );
  }
}

export async function runSendTest(io: CliIo, config: Config, recipient: string): Promise<ExitCode> {
  const answers: { path: string; rawBody: string }[] = [];
  const client = new FxiaokeClient({
    ...fxiaokeConnection(config.fxiaoke),
    // One honest try: a repeated send would be a second message.
    retry: { maxRetries: 0 },
    onAnswer: (answer) => answers.push(answer),
  });
  const path = client.serviceId ? FXIAOKE_PATHS.appSend : FXIAOKE_PATHS.send;
  const lines = [
    '',
    `Send test: one text message to ${recipient} through ${path}${client.serviceId ? ` (service account ${client.serviceId})` : ''}.`,
  ];
  let code: ExitCode = EXIT.ok;
  try {
    const result = await client.sendText(
      [recipient],
      `fx-bridge check --send-test: a test message (${new Date().toISOString()}). You may delete it.`,
    );
    lines.push(
      `  accepted: traceId ${result.traceId ?? '—'}, thirdTraceId ${result.thirdTraceId}`,
      client.serviceId
        ? result.messageId
          ? `  message id ${result.messageId}, found ${result.messageIdSource === 'top' ? 'at the top level' : 'under data'}: relays will be revocable`
          : '  no message id in the answer: relays through this service account cannot be revoked'
        : '  plain send (no FXIAOKE_SERVICE_ID): Fxiaoke returns no message id and offers no revoke',
    );
  } catch (error) {
    code = EXIT.failed;
    if (!isFxiaokeError(error)) throw error;
    const codePart = error.errorCode === undefined ? '' : `errorCode ${error.errorCode}, `;
    lines.push(
      `  refused or unanswered: ${error.meaning} (${codePart}traceId ${error.traceId ?? '—'}, thirdTraceId ${error.thirdTraceId ?? '—'})`,
    );
    if (error.mayHaveBeenDelivered) lines.push('  the message may still have been delivered.');
  } finally {
    await client.close().catch(() => undefined);
  }
  const scrubber = new SecretScrubber([...secretsOf(config), ...client.secrets()]);
  const raw = answers.filter((answer) => answer.path === path).at(-1);
  lines.push(
    raw ? `  raw answer (secrets cut): ${raw.rawBody}` : '  no answer was received.',
    '',
    'Please send this output (it holds no secrets) with your Fxiaoke cloud to the fx-bridge',
    'maintainers: it settles what the Fxiaoke docs leave open (see README, Known limits).',
  );
  io.out(scrubber.scrub(lines.join('\n')));
  return code;
}
