/** Help texts of the `fx-bridge` command line, one per command (README.md repeats the essentials). */
import { IN_WORK, PRUNABLE_STATUSES } from '../relay/lifecycle.js';

const EXIT_CODES =
  'Exit codes: 0 ok, 1 a check failed or nothing was found, 2 usage error, 78 configuration error.';
const CONFIG_NOTE =
  'Configuration comes from the environment (and a .env file in the working directory), as for the\nbridge itself; see docs/configuration.md.';

const main = `fx-bridge: relays Slack messages to Fxiaoke (纷享销客) and revokes them again.

Usage: fx-bridge <command> [options]

Commands:
  start                           run the bridge until SIGTERM/SIGINT (what the container runs)
  worker                          carry out sends receivers handed off (RELAY_WORKERS=none)
  check                           try the configuration, a Fxiaoke token, the store and Slack
  prune [--older-than-days N]     delete finished relays older than N days (default RETENTION_DAYS)
  relays list [options]           recent relays, newest first
  relays show <relay>             one relay in detail: batches, messageIds, traceIds, errors
  store copy --from URL --to URL  copy every relay into another store (SQLite/Redis → PostgreSQL…)
  secrets rotate                  (install mode) seal every stored secret again with the current key
  workspaces list|connect|disconnect  (install mode) installed workspaces and their Fxiaoke tenants
  audit [--limit N] [--workspace T…]             who changed the settings in App Home, newest first
  settings export [--out FILE] [--workspace T…]  the settings in force (config file + App Home) as a config file

Run \`fx-bridge <command> --help\` for a command's options.

${CONFIG_NOTE}
${EXIT_CODES}`;

const start = `Usage: fx-bridge start

Runs the bridge: the Slack app (HTTP or Socket Mode), /healthz, /readyz and /metrics on PORT.
SIGTERM or SIGINT stops taking new work, lets relays under way finish (up to 25 s), closes the
store and exits 0. Relays a crash interrupted are marked unknown/partial at start, and their
senders are told in a direct message.

${CONFIG_NOTE}
Exit codes: 0 stopped cleanly, 1 could not start or stop, 78 configuration error (also: the store
STORE_URL names cannot be opened).`;

const worker = `Usage: fx-bridge worker

Runs a relay worker: no Slack requests, no HTTP port. It carries out the sends that bridges started
with RELAY_WORKERS=none (or fork) recorded and handed off, takes over work nobody is doing, and
answers in Slack as the bridge would. Run it on the same STORE_URL as the bridges (Redis or
PostgreSQL to run it on other hosts; on SQLite, on the same machine). SIGTERM or SIGINT lets relays
under way finish (up to 25 s) and exits 0; what it had not started stays recorded for the next.

${CONFIG_NOTE}
Exit codes: 0 stopped cleanly, 1 could not start or stop, 78 configuration error.`;

const check = `Usage: fx-bridge check [--send-test <FSUID_… | employee id>]

Checks, one line each (✓ passed, ✗ failed with the reason, - not tried):
  configuration      every variable and the FX_BRIDGE_CONFIG file
  Fxiaoke token      a token is fetched with the configured credentials
  relay store        the store opens and answers
  Slack auth.test    the bot token works against SLACK_API_URL
  Slack Socket Mode  (Socket Mode only) the app token may open a connection
Nothing is sent to anyone, unless --send-test names a recipient (yourself): then one text message
is sent and Fxiaoke's raw answer printed, to tell the maintainers where your tenant puts the
message id. Secrets are never printed.

${CONFIG_NOTE}
Exit codes: 0 all checks passed, 1 a check failed, 78 configuration error.`;

const prune = `Usage: fx-bridge prune [--older-than-days N]

Deletes finished relays (${PRUNABLE_STATUSES.join(', ')}) created more
than N days ago and prints how many went. Relays in work (${IN_WORK.join(', ')}) are kept
whatever their age. The bridge already does this at start and hourly; use this to free space now or
with another period.

Options:
  --older-than-days N   age in days (default RETENTION_DAYS, 30 unless set; 0 prunes every
                        finished relay)
  -h, --help            this help

${EXIT_CODES}`;

const relays = `Usage: fx-bridge relays <list|show> [options]

  relays list [--user U…] [--status s] [--limit n] [--json]
  relays show <relay id | team:channel:ts> [--json]

Run \`fx-bridge relays list --help\` or \`fx-bridge relays show --help\` for details.`;

const relaysList = `Usage: fx-bridge relays list [--user U…] [--status s] [--workspace T…] [--limit n] [--json]

Lists relays, newest first: created (UTC), relay id, status, sender, recipients, batches and the
Slack message the relay is keyed by.

Options:
  --user U…     only relays sent by this Slack user id (repeat for several)
  --status s    only relays in this status (repeat or comma-separate: sent,partial); one of
                received, pending, sent, partial, failed, revoking, revoked, unknown,
                held (waiting for the sender: some recipients cannot be reached),
                cancelled (held, then cancelled by the sender: nothing sent),
                confirmed (an old held relay whose confirmation went out as another relay)
  --workspace T…  install mode: only this workspace's relays (its team id, or E… for an org)
  --limit n     at most n relays (default 20)
  --json        print the relay records as JSON
  -h, --help    this help

${EXIT_CODES}`;

const relaysShow = `Usage: fx-bridge relays show <relay id | team:channel:ts> [--json]

Shows one relay: status, sender, recipient count, the Slack message it is keyed by, who revoked it,
and every batch with its messageId, traceId, thirdTraceId, status and errors (what Fxiaoke support
asks for). The relay is named by its id (rl_…, shown on receipts) or by the Slack message key
team:channel:ts (shown in logs).

Options:
  --json        print the relay record as JSON
  -h, --help    this help

${EXIT_CODES}`;

const store = `Usage: fx-bridge store copy --from <STORE_URL> --to <STORE_URL> [--key-prefix p] [--ca-file f]

Copies every relay from one store into another, exactly as recorded: from SQLite or Redis to
PostgreSQL when one box is no longer enough, or back. Stop every bridge on the source first. Both
stores are opened as the bridge opens them (a PostgreSQL or SQLite destination gets its tables).
A relay already in the destination (same id) is left alone, so running the copy again finishes an
interrupted one. A relay whose request key or Slack message another relay of the destination
holds is not copied, and named. A progress line goes to stderr; at the end the relays of both
stores are counted, and the command fails unless every relay of the source is in the destination.
Passwords in the URLs are never printed. The Fxiaoke token and rate budget are not copied: they
refill on their own.

Options:
  --from URL        the store to copy from (sqlite:…, redis://…, postgres://…)
  --to URL          the store to copy into
  --key-prefix p    key prefix of a Redis store on either side (default fxb:, as REDIS_KEY_PREFIX)
  --ca-file f       PEM file of a PostgreSQL server's certificate authority (as POSTGRES_CA_FILE)
  -h, --help        this help

Exit codes: 0 every relay is in the destination, 1 the count check failed or a store could not be
opened, 2 usage error.`;

const secrets = `Usage: fx-bridge secrets rotate

Install mode stores every Slack token and Fxiaoke secret sealed with FX_BRIDGE_SECRET_KEY, each value
naming its key's id. To change the key:
  1. set the new key as FX_BRIDGE_SECRET_KEY and the previous one as FX_BRIDGE_OLD_SECRET_KEY, on
     every replica (they read values sealed with either, and seal new ones with the new key);
  2. run \`fx-bridge secrets rotate\` with the same environment: every value sealed with the old key
     is sealed again with the new one (a value written meanwhile is read afresh, never overwritten);
  3. remove FX_BRIDGE_OLD_SECRET_KEY. Running it again is harmless: values already current are left alone.
Keys are never read from the command line (it shows in process lists), only from the environment.

${CONFIG_NOTE}
Exit codes: 0 done, 1 a value opens with neither key (it names the key id it needs), 78 configuration error.`;

const workspaces = `Usage: fx-bridge workspaces <list|connect|disconnect> [options]

Install mode's workspaces (and Enterprise Grid organisations), and the Fxiaoke tenant each connected:
  workspaces list [--json]            key (T:<team> or E:<org>), name, when installed, Fxiaoke app and address
  workspaces connect <team> --app-id FSAID_… --user-id N [--base-url URL] [--service-id S]
                                      connects the workspace's tenant, as Connect Fxiaoke in App Home does:
                                      the app secret and permanent code come from FXIAOKE_APP_SECRET and
                                      FXIAOKE_PERMANENT_CODE in the environment (never the command line);
                                      a token is fetched first, and a refusal keeps nothing. --base-url
                                      must be one of FXIAOKE_ALLOWED_BASE_URLS (default: the first)
  workspaces disconnect <team>        forgets the workspace's tenant (its installation stays)
<team> is a team id (T…), an enterprise id (E…) for an org-wide install, or the key as listed.
Secrets are never printed.

${CONFIG_NOTE}
${EXIT_CODES}`;

const audit = `Usage: fx-bridge audit [--limit N] [--workspace <team id>]

Lists the changes fx-bridge admins made to the settings in App Home, newest first (default 20):
when (UTC), who (the Slack user id), the section, and the section before → after. Settings hold no
secrets, and none is printed. In install mode each workspace has its own settings: --workspace
(a team id T…, or E… for an org-wide install) names whose.

${CONFIG_NOTE}
${EXIT_CODES}`;

const settings = `Usage: fx-bridge settings export [--out FILE] [--workspace <team id>]

Writes the settings in force as a config file (YAML): the FX_BRIDGE_CONFIG file, with every section
an admin set in App Home (aliases, channelDefaults, routes, access, sync, admins) in place of the
file's. Given as FX_BRIDGE_CONFIG, the file yields the same settings. To stdout, or to FILE. In
install mode each workspace has its own settings: --workspace (T…, or E… for an org) names whose.

${CONFIG_NOTE}
${EXIT_CODES}`;

export const HELP = {
  main,
  start,
  worker,
  check,
  prune,
  relays,
  relaysList,
  relaysShow,
  store,
  secrets,
  workspaces,
  audit,
  settings,
} as const;
