/**
 * `npm run demo`: the bridge without Slack or Fxiaoke accounts. Starts the Fxiaoke emulator, a fake
 * Slack Web API and the real bridge on loopback, plays one scripted round trip (send to two fake
 * employees, the receipt, Revoke; then a send to a department), then serves a local page to try
 * more, until Ctrl-C.
 *
 *   npm run demo -- [--port 8800] [--once]
 */
import { parseArgs } from 'node:util';
import type { RecordedRequest } from '../fakes/fxiaoke-emulator.js';
import { clickRevoke, SENDER_ID, sendCommand } from './conversation.js';
import { inboxes } from './inbox.js';
import { type DemoServer, startDemoServer } from './server.js';
import { startWorld, type World } from './world.js';

const USAGE =
  'usage: npm run demo -- [--port N] [--once]\n  --port N  the local page’s port (default 8800; 0 picks a free one)\n  --once    play the scripted round trip, then exit\n';
const SCRIPTED = '/fx-send 1000,1001 The quote for ACME is ready: 12 units, delivery Friday';
const SCRIPTED_DEPARTMENT = '/fx-send dept:Sales Team lunch on Friday at 12:30';

function parseCli(): { port: number; once: boolean } {
  try {
    const { values } = parseArgs({
      options: { port: { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    const port = values.port === undefined ? 8800 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a port number');
    return { port, once: values.once === true };
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

const say = (line = '') => process.stdout.write(`${line}\n`);
const indent = (text: string, prefix = '     │ ') =>
  text
    .split('\n')
    .map((line) => prefix + line.replaceAll(`@${SENDER_ID}`, '@you'))
    .join('\n');

/** One line per Fxiaoke call, as the emulator answered it: never bodies (they carry tokens). */
function fxiaokeLine(request: RecordedRequest): string {
  const answer = request.response as
    | { errorCode?: unknown; errorMessage?: unknown; traceId?: unknown }
    | undefined;
  const outcome =
    typeof answer === 'object' && answer !== null
      ? `errorCode ${String(answer.errorCode)} (${String(answer.errorMessage)}) · traceId ${String(answer.traceId)}`
      : `HTTP ${request.status ?? '—'}`;
  return `     Fxiaoke emulator ▸ ${request.method} ${request.path} → ${outcome}`;
}

function printWhereThingsAre(world: World): void {
  say('fx-bridge demo: no accounts, no .env, nothing leaves this machine.');
  say();
  say(`  Fxiaoke emulator   ${world.emulator.url}`);
  say(
    '                     simulated: stands in for open.fxiaoke.com, with 4 fake employees (ids 1000-1003)',
  );
  say(`  Slack Web API      ${world.slack.url}`);
  say('                     simulated: takes the receipts the bot posts and the ephemeral answers');
  say(`  fx-bridge          ${world.eventsUrl}`);
  say('                     REAL: the bridge’s own code, in HTTP mode, on a throwaway SQLite file');
  say(`  bridge log         ${world.logFile}`);
  say();
  say('What you type as a Slack user reaches the bridge as Slack would send it: a signed POST to');
  say('/slack/events. From there on everything is the real bridge: signature check, parsing,');
  say('recipients, the Fxiaoke client with its token, retries and rate limit, the store, the receipt.');
  say();
}

async function roundTrip(world: World): Promise<void> {
  say('── Scripted round trip ──────────────────────────────────────────────');
  say();
  say(`  1. You type in #general:   ${SCRIPTED}`);
  const sent = await sendCommand(world, SCRIPTED.replace(/^\/fx-send\s+/, ''));
  for (const text of sent.ephemeral) say(`\n     Only visible to you:\n${indent(text)}`);
  if (!sent.receipt?.revokeValue) throw new Error('the bridge posted no receipt with a Revoke button');
  say();
  say('  2. The bridge posts a receipt in #general:');
  say(indent(sent.receipt.text));
  say();
  say('  3. You click Revoke on the receipt.');
  const revoked = await clickRevoke(world, sent.receipt);
  for (const text of revoked.ephemeral) say(`\n     Only visible to you:\n${indent(text)}`);
  if (revoked.receipt) {
    say('\n     The receipt now reads:');
    say(indent(revoked.receipt.text));
  }
  say();
  say('  4. In Fxiaoke:');
  for (const employee of inboxes(world.emulator)) {
    for (const message of employee.inbox) {
      const state = message.revoked ? 'received, then revoked' : 'received';
      say(
        `     ${employee.name} (${employee.employeeId}): ${state}: “${message.content.replace(/\n/g, ' ⏎ ')}”`,
      );
    }
  }
  const allRevoked = world.emulator.messages.length > 0 && world.emulator.messages.every((m) => m.revoked);
  if (!allRevoked) throw new Error('the message was not revoked in the emulator');
  say();
  say('Round trip complete: sent to 2 fake employees, receipt posted, revoked from the receipt.');
  say();
  await departmentSend(world);
}

/** A department as the recipient: the bridge looks up its people in Fxiaoke and names it in the receipt. */
async function departmentSend(world: World): Promise<void> {
  say('── A department as the recipient ────────────────────────────────────');
  say();
  say(`  5. You type in #general:   ${SCRIPTED_DEPARTMENT}`);
  const before = world.emulator.messages.length;
  const sent = await sendCommand(world, SCRIPTED_DEPARTMENT.replace(/^\/fx-send\s+/, ''));
  for (const text of sent.ephemeral) say(`\n     Only visible to you:\n${indent(text)}`);
  if (!sent.receipt) throw new Error('the bridge posted no receipt for the department send');
  say();
  say('  6. The receipt names the department and how many people it reached:');
  say(indent(sent.receipt.text));
  const delivered = world.emulator.messages.slice(before).flatMap((message) => message.toUser);
  if (delivered.length === 0) throw new Error('nothing reached the department in the emulator');
  say();
  say(`Department send complete: dept:Sales reached ${delivered.length} fake employees.`);
  say();
}

async function main(): Promise<void> {
  const { port, once } = parseCli();
  const printFxiaoke = true;
  const world = await startWorld({
    onFxiaokeCall: (request) => {
      if (printFxiaoke) say(fxiaokeLine(request));
    },
  });
  let page: DemoServer | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await page?.close();
    await world.stop();
    say('demo stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  printWhereThingsAre(world);
  try {
    await roundTrip(world);
  } catch (error) {
    process.stderr.write(
      `demo: the round trip failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.stderr.write(`demo: the bridge's log is in ${world.logFile}\n`);
    await stop(1);
    return;
  }
  if (once) {
    await stop(0);
    return;
  }
  try {
    page = await startDemoServer(world, port, (line) => say(`  ${line}`));
  } catch (error) {
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    process.stderr.write(
      inUse
        ? `demo: port ${port} is in use: run npm run demo -- --port <another port> (0 picks a free one)\n`
        : `demo: the page could not start: ${String(error)}\n`,
    );
    await stop(1);
    return;
  }
  say(`Try it yourself: open ${page.url}`);
  say('Type /fx-send lines, click Revoke, watch the fake employees’ inboxes. Ctrl-C stops the demo.');
  say();
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
