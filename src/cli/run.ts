/** The `fx-bridge` command line: parses arguments (node:util parseArgs) and runs one command. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { runCheck } from './check.js';
import { HELP } from './help.js';
import { type CliIo, configOrReport, EXIT, type ExitCode, UsageError } from './io.js';
import { parseStatuses, runPrune, runRelaysList, runRelaysShow } from './relays.js';
import { runSecretsRotate } from './secrets.js';
import { checkSendTestRecipient } from './send-test.js';
import { runAudit, runSettingsExport } from './settings.js';
import { runStart, runWorker } from './start.js';
import { runStoreCopy } from './store-copy.js';
import { runWorkspacesConnect, runWorkspacesDisconnect, runWorkspacesList } from './workspaces.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const satisfies Options;

/** Runs one command line (without `node` and the script) and resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`fx-bridge: ${error.message}\nRun \`${error.helpHint}\` for usage.`);
      return EXIT.usage;
    }
    io.err(`fx-bridge: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      io.err(HELP.main);
      return EXIT.usage;
    case '-h':
    case '--help':
    case 'help':
      io.out(HELP.main);
      return EXIT.ok;
    case 'start': {
      if (parse(rest, {}, 'start').values.help) return help(io, 'start');
      return runStart(io);
    }
    case 'worker': {
      if (parse(rest, {}, 'worker').values.help) return help(io, 'worker');
      return runWorker(io);
    }
    case 'check': {
      const { values } = parse(rest, { 'send-test': { type: 'string' } }, 'check');
      if (values.help) return help(io, 'check');
      const sendTest = values['send-test'];
      if (sendTest !== undefined) checkSendTestRecipient(sendTest);
      return runCheck(io, sendTest === undefined ? {} : { sendTest });
    }
    case 'prune': {
      const { values } = parse(rest, { 'older-than-days': { type: 'string' } }, 'prune');
      if (values.help) return help(io, 'prune');
      const raw = values['older-than-days'];
      const days = raw === undefined ? undefined : wholeNumber(raw, '--older-than-days', 0, 'prune');
      const config = configOrReport(io, 'prune');
      return config ? runPrune(io, config, days) : EXIT.config;
    }
    case 'relays':
      return relays(rest, io);
    case 'store':
      return store(rest, io);
    case 'workspaces':
      return workspaces(rest, io);
    case 'audit': {
      const { values } = parse(rest, { limit: { type: 'string' }, workspace: { type: 'string' } }, 'audit');
      if (values.help) return help(io, 'audit');
      const limit = values.limit === undefined ? 20 : wholeNumber(values.limit, '--limit', 1, 'audit');
      const config = configOrReport(io, 'audit');
      return config ? runAudit(io, config, limit, values.workspace) : EXIT.config;
    }
    case 'settings':
      return settings(rest, io);
    case 'secrets': {
      const [sub, ...options] = rest;
      if (sub === '-h' || sub === '--help') return help(io, 'secrets');
      if (sub !== 'rotate') {
        throw new UsageError(
          `unknown secrets command "${sub ?? ''}"; use rotate`,
          'fx-bridge secrets --help',
        );
      }
      if (parse(options, {}, 'secrets rotate').values.help) return help(io, 'secrets');
      const config = configOrReport(io, 'secrets rotate');
      return config ? runSecretsRotate(io, config) : EXIT.config;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function relays(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case undefined:
    case '-h':
    case '--help':
      if (sub === undefined) {
        io.err(HELP.relays);
        return EXIT.usage;
      }
      return help(io, 'relays');
    case 'list': {
      const { values } = parse(
        rest,
        {
          user: { type: 'string', multiple: true },
          status: { type: 'string', multiple: true },
          limit: { type: 'string' },
          json: { type: 'boolean' },
          workspace: { type: 'string' },
        },
        'relays list',
      );
      if (values.help) return help(io, 'relaysList');
      const options = {
        users: values.user ?? [],
        statuses: parseStatuses(values.status ?? []),
        limit: values.limit === undefined ? 20 : wholeNumber(values.limit, '--limit', 1, 'relays list'),
        json: values.json ?? false,
        ...(values.workspace !== undefined ? { workspace: values.workspace } : {}),
      };
      const config = configOrReport(io, 'relays list');
      return config ? runRelaysList(io, config, options) : EXIT.config;
    }
    case 'show': {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, 'relays show', true);
      if (values.help) return help(io, 'relaysShow');
      const [reference, ...extra] = positionals;
      if (reference === undefined || extra.length > 0) {
        throw new UsageError(
          reference === undefined
            ? 'relays show needs one relay id or Slack message key'
            : 'relays show takes one relay at a time',
          'fx-bridge relays show --help',
        );
      }
      const config = configOrReport(io, 'relays show');
      return config ? runRelaysShow(io, config, reference, values.json ?? false) : EXIT.config;
    }
    default:
      throw new UsageError(`unknown relays command "${sub}"; use list or show`, 'fx-bridge relays --help');
  }
}

async function store(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    if (sub !== undefined) return help(io, 'store');
    io.err(HELP.store);
    return EXIT.usage;
  }
  if (sub !== 'copy')
    throw new UsageError(`unknown store command "${sub}"; use copy`, 'fx-bridge store --help');
  const { values } = parse(
    rest,
    {
      from: { type: 'string' },
      to: { type: 'string' },
      'key-prefix': { type: 'string' },
      'ca-file': { type: 'string' },
    },
    'store copy',
  );
  if (values.help) return help(io, 'store');
  if (values.from === undefined || values.to === undefined) {
    throw new UsageError('store copy needs --from <url> and --to <url>', 'fx-bridge store copy --help');
  }
  return runStoreCopy(io, {
    from: values.from,
    to: values.to,
    keyPrefix: values['key-prefix'] ?? 'fxb:',
    caFile: values['ca-file'],
  });
}

async function workspaces(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    if (sub !== undefined) return help(io, 'workspaces');
    io.err(HELP.workspaces);
    return EXIT.usage;
  }
  const hint = 'fx-bridge workspaces --help';
  const one = (positionals: string[]): string => {
    const [reference, ...extra] = positionals;
    if (reference === undefined || extra.length > 0)
      throw new UsageError(`workspaces ${sub} takes one team id`, hint);
    return reference;
  };
  switch (sub) {
    case 'list': {
      const { values } = parse(rest, { json: { type: 'boolean' } }, 'workspaces list');
      if (values.help) return help(io, 'workspaces');
      const config = configOrReport(io, 'workspaces list');
      return config ? runWorkspacesList(io, config, values.json ?? false) : EXIT.config;
    }
    case 'disconnect': {
      const { values, positionals } = parse(rest, {}, 'workspaces disconnect', true);
      if (values.help) return help(io, 'workspaces');
      const reference = one(positionals);
      const config = configOrReport(io, 'workspaces disconnect');
      return config ? runWorkspacesDisconnect(io, config, reference) : EXIT.config;
    }
    case 'connect': {
      const { values, positionals } = parse(
        rest,
        {
          'base-url': { type: 'string' },
          'app-id': { type: 'string' },
          'user-id': { type: 'string' },
          'service-id': { type: 'string' },
        },
        'workspaces connect',
        true,
      );
      if (values.help) return help(io, 'workspaces');
      const reference = one(positionals);
      const config = configOrReport(io, 'workspaces connect');
      return config
        ? runWorkspacesConnect(io, config, reference, {
            baseUrl: values['base-url'],
            appId: values['app-id'],
            userId: values['user-id'],
            serviceId: values['service-id'],
          })
        : EXIT.config;
    }
    default:
      throw new UsageError(`unknown workspaces command "${sub}"; use list, connect or disconnect`, hint);
  }
}

async function settings(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    if (sub !== undefined) return help(io, 'settings');
    io.err(HELP.settings);
    return EXIT.usage;
  }
  if (sub !== 'export')
    throw new UsageError(`unknown settings command "${sub}"; use export`, 'fx-bridge settings --help');
  const { values } = parse(
    rest,
    { out: { type: 'string' }, workspace: { type: 'string' } },
    'settings export',
  );
  if (values.help) return help(io, 'settings');
  const config = configOrReport(io, 'settings export');
  return config ? runSettingsExport(io, config, values.out, values.workspace) : EXIT.config;
}

function help(io: CliIo, topic: keyof typeof HELP): ExitCode {
  io.out(HELP[topic]);
  return EXIT.ok;
}

/** parseArgs in strict mode; its errors (unknown option, missing value) become usage errors. */
function parse<T extends Options>(argv: readonly string[], options: T, command: string, positionals = false) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...options, ...HELP_OPTION },
      strict: true,
      allowPositionals: positionals,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : '';
    throw new UsageError(message || 'invalid arguments', `fx-bridge ${command} --help`);
  }
}

function wholeNumber(raw: string, name: string, min: number, command: string): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${name} must be a whole number of at least ${min}`, `fx-bridge ${command} --help`);
  }
  return value;
}
