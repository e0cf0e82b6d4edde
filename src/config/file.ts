/**
 * The optional YAML file (FX_BRIDGE_CONFIG): recipient aliases, channel defaults, who may send and
 * revoke, limits, edit/delete sync, channels routed to Fxiaoke. Its zod schema rejects unknown keys and names every problem with
 * the file's path and the key.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export interface FileConfig {
  /** Alias name → Fxiaoke ids or departments (`sales: [FSUID_…, "dept:1002"]`). */
  aliases: Record<string, string[]>;
  /** Slack user id → Fxiaoke id, so `<@U…>` mentions resolve. */
  slackUsers: Record<string, string>;
  /** Slack user ids allowed to revoke anyone's relay. */
  admins: string[];
  /** Slack channel id → recipients (aliases or Fxiaoke ids) the compose window starts with there. */
  channelDefaults: Record<string, string[]>;
  /** How a relayed message reads in Fxiaoke. Placeholders: {sender}, {channel}, {text}. */
  messageTemplate: string;
  /** Longest message text accepted (characters, before the template). */
  maxMessageLength: number;
  /** Most resolved recipients one relay may have. */
  maxRecipients: number;
  /** Who may send (see src/relay/access.ts for the rule). Empty lists: everyone, from anywhere. */
  access: { send: { users: string[]; userGroups: string[]; channels: string[] } };
  limits: {
    /** Relays one Slack user may start per sliding minute; 0 turns the limit off. */
    sendsPerUserPerMinute: number;
  };
  /** What an edit or delete of a relayed Slack message does: ask its sender, act at once, or nothing. */
  sync: {
    edits: 'ask' | 'auto' | 'off';
    deletes: 'ask' | 'auto' | 'off';
    /** A burst of edits is acted on once the message has been quiet this long (ms); 0: each at once. */
    quietMs: number;
  };
  /** Slack channel id → where its messages go in Fxiaoke, and which ones (relay/route.ts). */
  routes: Record<string, ChannelRoute>;
}

/** `sync.quietMs`: how long a relayed message must be quiet before its edits are acted on. */
export const DEFAULT_SYNC_QUIET_MS = 3_000;

/** A channel routed to Fxiaoke: every new message (`all`), or those someone reacts to (`reaction`). */
export interface ChannelRoute {
  /** Recipients, as in /fx-send: Fxiaoke ids, aliases, departments. */
  to: string[];
  forward: 'all' | 'reaction';
  /** The emoji name that relays a message (`forward: reaction`); default `outbox_tray`. */
  reaction: string;
}

/** The emoji that relays a message in a `forward: reaction` channel unless the route names one. */
export const DEFAULT_ROUTE_REACTION = 'outbox_tray';

/** Reads `alice (Slack, general):` or `alice (Slack, direct message):`, then the text. */
export const DEFAULT_MESSAGE_TEMPLATE = '{sender} (Slack, {channel}):\n{text}';

export const DEFAULT_FILE_CONFIG: FileConfig = {
  aliases: {},
  slackUsers: {},
  admins: [],
  channelDefaults: {},
  messageTemplate: DEFAULT_MESSAGE_TEMPLATE,
  maxMessageLength: 4000,
  maxRecipients: 5000,
  access: { send: { users: [], userGroups: [], channels: [] } },
  limits: { sendsPerUserPerMinute: 20 },
  sync: { edits: 'ask', deletes: 'ask', quietMs: DEFAULT_SYNC_QUIET_MS },
  routes: {},
};

const FXIAOKE_ID = /^(FSUID_[0-9A-Za-z]+|\d+)$/;
/** `dept:<id>` or `dept:<name>` (relay/departments.ts); a name is checked against Fxiaoke when sent. */
const DEPARTMENT = /^dept:\S.*$/is;
const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]+$/;
const SLACK_USER_GROUP_ID = /^S[A-Z0-9]+$/;
/** Channels a route may name: public (C…) and private (G…, older ones) channels. */
const SLACK_ROUTED_CHANNEL_ID = /^[CG][A-Z0-9]+$/;

// Ids, not names: a name can be reused or renamed, and Slack's APIs answer by id. The messages say
// where to find each id, since that is the usual mistake.
const accessSchema = z
  .object({
    send: z
      .object({
        users: z
          .array(z.string().regex(SLACK_USER_ID, 'users are Slack user ids such as U012ABC, not @names'))
          .default([]),
        userGroups: z
          .array(
            z
              .string()
              .regex(
                SLACK_USER_GROUP_ID,
                'userGroups are Slack user group ids such as S012ABC (the group in Slack → ⋯ → Copy group ID), not @handles',
              ),
          )
          .default([]),
        channels: z
          .array(
            z
              .string()
              .regex(
                SLACK_CHANNEL_ID,
                'channels are Slack channel ids such as C012ABC (channel details → About → Channel ID), not #names',
              ),
          )
          .default([]),
      })
      .strict()
      .default(DEFAULT_FILE_CONFIG.access.send),
  })
  .strict();

const limitsSchema = z
  .object({
    sendsPerUserPerMinute: z
      .number('sendsPerUserPerMinute must be a number')
      .int('sendsPerUserPerMinute must be a whole number')
      .min(0, 'sendsPerUserPerMinute must be 0 (no limit) or more')
      .max(10_000, 'sendsPerUserPerMinute must be at most 10000 (0 turns the limit off)')
      .default(DEFAULT_FILE_CONFIG.limits.sendsPerUserPerMinute),
  })
  .strict();

const syncModeSchema = (key: string) =>
  z.enum(['ask', 'auto', 'off'], `${key} must be ask (DM the sender), auto (act at once) or off (nothing)`);

const syncSchema = z
  .object({
    edits: syncModeSchema('sync.edits').default(DEFAULT_FILE_CONFIG.sync.edits),
    deletes: syncModeSchema('sync.deletes').default(DEFAULT_FILE_CONFIG.sync.deletes),
    quietMs: z
      .number('sync.quietMs must be a number of milliseconds')
      .int('sync.quietMs must be a whole number of milliseconds')
      .min(0, 'sync.quietMs must be 0 (act on each edit at once) or more')
      .max(600_000, 'sync.quietMs must be at most 600000 (10 minutes)')
      .default(DEFAULT_FILE_CONFIG.sync.quietMs),
  })
  .strict();

/** Slack's emoji names: lower-case letters, digits, `_ + - '`; colons around it are dropped. */
const EMOJI_NAME = /^[a-z0-9_+'-]+$/;

const routeSchema = z
  .object({
    to: z
      .array(
        z.string().trim().min(1, 'a recipient cannot be empty'),
        'to lists the recipients, as in /fx-send',
      )
      .min(1, 'to needs at least one recipient (a Fxiaoke id, an alias or a dept:<id or name>)'),
    forward: z.enum(
      ['all', 'reaction'],
      'forward must be all (every new message in the channel) or reaction (a message someone reacts to)',
    ),
    reaction: z
      .string()
      .transform((name) => name.trim().replace(/^:(.*):$/, '$1'))
      .refine((name) => EMOJI_NAME.test(name), 'reaction is an emoji name such as outbox_tray (no spaces)')
      .optional(),
  })
  .strict()
  .superRefine((route, context) => {
    if (route.forward === 'all' && route.reaction !== undefined)
      context.addIssue({
        code: 'custom',
        path: ['reaction'],
        message: 'reaction applies to forward: reaction only; with forward: all every new message is relayed',
      });
  })
  .transform((route) => ({ ...route, reaction: route.reaction ?? DEFAULT_ROUTE_REACTION }));

const fileSchema = z
  .object({
    aliases: z
      .record(
        z
          .string()
          .regex(/^[a-z0-9][a-z0-9_.-]*$/i, 'alias names use letters, digits, _ . -')
          // Such names would be read as an employee id or an openUserId, never as the alias.
          .refine(
            (name) => !/^\d+$/.test(name) && !/^FSUID_/i.test(name),
            'alias names cannot look like Fxiaoke ids',
          ),
        z
          .array(
            z
              .string()
              .refine(
                (member) => FXIAOKE_ID.test(member) || DEPARTMENT.test(member),
                'each alias member is an FSUID_… openUserId, a numeric employee id or a department (dept:<id> or dept:<name>)',
              ),
          )
          .min(1, 'an alias needs at least one member'),
      )
      .default({}),
    slackUsers: z
      .record(
        z.string().regex(SLACK_USER_ID, 'keys are Slack user ids such as U012ABC'),
        z.string().regex(FXIAOKE_ID, 'values are FSUID_… openUserIds or numeric employee ids'),
      )
      .default({}),
    admins: z.array(z.string().regex(SLACK_USER_ID, 'admins are Slack user ids such as U012ABC')).default([]),
    channelDefaults: z
      .record(
        z.string().regex(SLACK_CHANNEL_ID, 'keys are Slack channel ids such as C012ABC'),
        z.array(z.string().min(1)).min(1, 'list at least one recipient, or leave the channel out'),
      )
      .default({}),
    messageTemplate: z
      .string()
      .refine((template) => template.includes('{text}'), 'messageTemplate must contain {text}')
      .default(DEFAULT_MESSAGE_TEMPLATE),
    maxMessageLength: z.number().int().min(1).max(100_000).default(DEFAULT_FILE_CONFIG.maxMessageLength),
    maxRecipients: z.number().int().min(1).max(100_000).default(DEFAULT_FILE_CONFIG.maxRecipients),
    access: accessSchema.default(DEFAULT_FILE_CONFIG.access),
    limits: limitsSchema.default(DEFAULT_FILE_CONFIG.limits),
    sync: syncSchema.default(DEFAULT_FILE_CONFIG.sync),
    routes: z
      .record(
        z
          .string()
          .regex(
            SLACK_ROUTED_CHANNEL_ID,
            'routes are keyed by Slack channel ids such as C012ABC (channel details → About → Channel ID), not #names',
          ),
        routeSchema,
      )
      .default({}),
  })
  .strict()
  .superRefine((file, context) => {
    // A default or a route must name something the resolver knows; a typo would otherwise surface
    // in every modal, or in every routed message.
    const aliases = new Set(Object.keys(file.aliases).map((name) => name.toLowerCase()));
    const check = (recipients: readonly string[], path: (string | number)[]) => {
      recipients.forEach((recipient, index) => {
        if (FXIAOKE_ID.test(recipient) || DEPARTMENT.test(recipient) || aliases.has(recipient.toLowerCase()))
          return;
        context.addIssue({
          code: 'custom',
          path: [...path, index],
          message: `${recipient} is neither an alias defined under aliases, a Fxiaoke id (FSUID_… or numeric) nor a department (dept:<id> or dept:<name>)`,
        });
      });
    };
    for (const [channel, recipients] of Object.entries(file.channelDefaults))
      check(recipients, ['channelDefaults', channel]);
    for (const [channel, route] of Object.entries(file.routes)) check(route.to, ['routes', channel, 'to']);
  });

export function parseFileConfig(source: string, label: string, problems: string[]): FileConfig {
  const document = parseFileYaml(source, label, problems);
  return document === undefined ? DEFAULT_FILE_CONFIG : checkFileDocument(document, label, problems);
}

/** The YAML text as a document (an empty text is `{}`); undefined, with the problem named, when unparsable. */
export function parseFileYaml(source: string, label: string, problems: string[]): unknown {
  try {
    return parseYaml(source) ?? {};
  } catch (error) {
    problems.push(
      `${label} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : 'parse error'}`,
    );
    return undefined;
  }
}

/**
 * A parsed document checked against the file's schema. Settings edited in Slack (settings/) are
 * checked here too, as a whole document, so they get the file's messages and its cross-checks.
 */
export function checkFileDocument(document: unknown, label: string, problems: string[]): FileConfig {
  const result = fileSchema.safeParse(document);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      // A record key's own message (what is wrong with it) rather than zod's "Invalid key in record".
      const message =
        issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      problems.push(label ? `${label}: ${where}: ${message}` : `${where}: ${message}`);
    }
    return DEFAULT_FILE_CONFIG;
  }
  return result.data;
}

/**
 * The file a configuration reads back as (the inverse of the schema's defaults and transforms):
 * a route with `forward: all` is written without the `reaction` the schema filled in, which the
 * schema would refuse. Used to write settings out as YAML and to merge them with Slack's.
 */
export function fileDocumentOf(file: FileConfig): Record<string, unknown> {
  const routes = Object.fromEntries(
    Object.entries(file.routes).map(([channel, route]) => [
      channel,
      route.forward === 'all' ? { to: route.to, forward: route.forward } : { ...route },
    ]),
  );
  return { ...file, routes };
}

export function loadFileConfig(path: string, problems: string[]): FileConfig {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`FX_BRIDGE_CONFIG points at ${path}, which cannot be read (${reason})`);
    return DEFAULT_FILE_CONFIG;
  }
  return parseFileConfig(source, `FX_BRIDGE_CONFIG (${path})`, problems);
}
