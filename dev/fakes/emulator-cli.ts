/**
 * Standalone Fxiaoke emulator, for running fx-bridge by hand against a fake Fxiaoke.
 *
 *   npm run emulator -- [--port 8790] [--latency <ms>] [--no-service]
 *                       [--message-id none|top|data|top-number|data-number|top-long]
 *
 * `npm run emulator -- --help` describes every switch and the strict behaviour.
 *
 * PORT (env) or --port picks the port (default 8790); it listens on 127.0.0.1 only.
 * Ctrl-C (SIGINT) or SIGTERM stops it.
 */
import { parseArgs } from 'node:util';
import { CODE, FxiaokeEmulator, type MessageIdLocation, type RecordedRequest } from './fxiaoke-emulator.js';

const MESSAGE_ID_LOCATIONS: readonly MessageIdLocation[] = [
  'none',
  'top',
  'data',
  'top-number',
  'data-number',
  'top-long',
];

const HELP = `usage: npm run emulator -- [--port N] [--latency MS] [--no-service] [--message-id WHERE]

A strict Fxiaoke OpenAPI emulator on 127.0.0.1, following /work/shared/fxiaoke-openapi.md and what
public clients send (see the contract fixtures in test/fxiaoke/contract/).

Switches:
  --port N           port to listen on (default: PORT or 8790)
  --latency MS       delay every answer by MS milliseconds (default 0)
  --no-service       no service account: /cgi/app/message/send and revoke answer 20014
  --message-id WHERE where a service-account send's answer carries the message id:
                       none         no id, the documented answer (default)
                       top          "messageId": "<string>" at the top level
                       data         "data": {"messageId": "<string>"}
                       top-number   "messageId": <number below 2^53>
                       data-number  "data": {"messageId": <number below 2^53>}
                       top-long     "messageId": <number above 2^53, as Fxiaoke's Long ids>
  -h, --help         this text

Strict by default:
  - header auth: toUser holds employee ids unless the body has "convertUserId": true, then
    openUserIds (FSUID_...); the other form answers 11008. Legacy auth takes openUserIds.
  - wrong appSecret answers 10006, wrong appId 20006, wrong permanentCode 20015, no auth 20017.
  - uploads (/media/upload and /media/upload/message): type (and legacy corpAccessToken/corpId)
    in the query string, the file as part "media" with an extension; images <= 5 MB,
    jpg/jpeg/png/gif/bmp. A type sent as a form field is refused (90005).
  - articles: title <= 45, author <= 8, description <= 140, content required; composite: the card
    under "composite" with head.title and link{title,url} (first/remark {content}, form
    [{label,value}] when present). Length and shape errors answer 15002.
  - thirdTraceId is optional (no legacy public client sends one); when given it must be a UUID v4.
  - /cgi/department/list is served; /cgi/user/list takes departmentId 999999 or 0 for the company.
Faults (tests, through addFault): latency, timeout, reset, HTTP status (401, 403, 429 with
Retry-After, 5xx), non-JSON, an envelope error, accept-then-reset, error-after-delivery (50009).
`;

function fail(message: string): never {
  process.stderr.write(`emulator: ${message}\n`);
  process.exit(2);
}

function parseCli(): {
  port: number;
  latencyMs: number;
  messageIdLocation: MessageIdLocation;
  service: boolean;
} {
  let values: {
    port?: string;
    latency?: string;
    'message-id'?: string;
    'no-service'?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        latency: { type: 'string' },
        'message-id': { type: 'string' },
        'no-service': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const portText = values.port ?? process.env.PORT ?? '8790';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid port '${portText}'`);
  const latencyMs = Number(values.latency ?? '0');
  if (!Number.isFinite(latencyMs) || latencyMs < 0) fail(`invalid --latency '${values.latency}'`);
  const location = values['message-id'] ?? 'none';
  const messageIdLocation = MESSAGE_ID_LOCATIONS.find((l) => l === location);
  if (!messageIdLocation) fail(`--message-id must be one of ${MESSAGE_ID_LOCATIONS.join(', ')}`);
  return { port, latencyMs, messageIdLocation, service: !values['no-service'] };
}

function logLine(request: RecordedRequest): void {
  const response = request.response;
  const envelope =
    typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
  const parts = [
    new Date().toISOString(),
    request.method,
    request.path,
    `status=${request.status ?? '-'}`,
    `errorCode=${String(envelope.errorCode ?? '-')}`,
    `traceId=${String(envelope.traceId ?? '-')}`,
  ];
  if (request.fault) parts.push(`fault=${request.fault}`);
  process.stdout.write(`${parts.join(' ')}\n`);
}

const cli = parseCli();
const emulator = await FxiaokeEmulator.start({
  port: cli.port,
  host: '127.0.0.1',
  messageIdLocation: cli.messageIdLocation,
  ...(cli.service ? {} : { serviceIds: [] }),
  onRequest: logLine,
}).catch((error: unknown) => fail(`cannot listen on 127.0.0.1:${cli.port}: ${String(error)}`));
if (cli.latencyMs > 0) emulator.addFault({ fault: { type: 'latency', ms: cli.latencyMs }, times: Infinity });

const o = emulator.options;
const env = [
  `FXIAOKE_BASE_URL=${emulator.url}`,
  `FXIAOKE_APP_ID=${o.appId}`,
  `FXIAOKE_APP_SECRET=${o.appSecret}`,
  `FXIAOKE_PERMANENT_CODE=${o.permanentCode}`,
  'FXIAOKE_USER_ID=1000',
  ...(o.serviceIds[0] === undefined ? [] : [`FXIAOKE_SERVICE_ID=${o.serviceIds[0]}`]),
  // The emulator's own "already revoked" (invented, 9xxxx): settles a revoke whose answer was lost.
  ...(o.serviceIds[0] === undefined ? [] : [`FXIAOKE_REVOKE_DONE_CODES=${CODE.MESSAGE_ALREADY_REVOKED}`]),
];
const users = o.users.map(
  (u) =>
    `  ${u.name.padEnd(16)} ${u.openUserId}  employeeId=${u.employeeId ?? '-'}  mobile=${u.mobile ?? '-'}` +
    (u.isStop ? '  (stopped: sends answer 30027)' : ''),
);
process.stdout.write(
  [
    `Fxiaoke emulator listening on ${emulator.url}`,
    `  ea=${o.ea} corpId=${o.corpId} message id location=${o.messageIdLocation}` +
      (cli.latencyMs > 0 ? ` latency=${cli.latencyMs}ms` : ''),
    ...(o.serviceIds.length === 0
      ? ['  no service account: /cgi/app/message/send and revoke answer 20014']
      : []),
    '',
    'Point fx-bridge at it with:',
    '',
    ...env,
    '',
    'Directory (header mode: employeeId, or openUserId with convertUserId):',
    ...users,
    '',
    'Requests:',
    '',
  ].join('\n'),
);

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping the emulator\n`);
  emulator.stop().then(
    () => process.exit(0),
    (error: unknown) => fail(`stop failed: ${String(error)}`),
  );
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
