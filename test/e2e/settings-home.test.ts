/**
 * Settings managed from Slack (single-workspace mode), through the real Bolt app over signed HTTP,
 * on a Redis and on a PostgreSQL store shared by two bridges: an admin opens App Home, edits the
 * aliases in the modal, and the next /fx-send uses the new alias with no restart, on this bridge
 * and on the second; a non-admin sees nothing of the settings and a forged submission of theirs is
 * refused; invalid YAML comes back inline with the file's message and nothing is stored; the Home's
 * audit list and `fx-bridge audit` say who changed what. Each store skips loudly without a server.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import {
  BOT_ID,
  BOT_USER_ID,
  blockActionPayload,
  sendInteraction,
  sendSlashCommand,
  TEST_SIGNING_SECRET,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import { type Bridge, startBridge } from '../../src/bridge.js';
import { runCli } from '../../src/cli/run.js';
import { DEFAULTS, loadConfig, parseFileConfig } from '../../src/config.js';
import { openPostgresStore } from '../../src/postgres/relay-store.js';
import { WORKSPACE_SCOPE } from '../../src/settings/port.js';
import { settingsOf } from '../../src/settings/store.js';
import { captureIo } from '../cli/cli-env.js';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';
import { deleteKeysUnder, REDIS_URL, redisAvailable } from '../redis-helpers.js';
import { Harness } from './harness.js';
import { openHome, publishedHome, type SlackView, viewText } from './people-requests.js';

/** A store two bridges share: its STORE_URL environment, and how to empty it after each test. */
interface SharedStore {
  env(): Record<string, string>;
  empty(): Promise<void>;
  close(): Promise<void>;
}

const redisUp = await redisAvailable('settings managed from Slack on Redis (end-to-end)');
const postgresUp = await postgresAvailable('settings managed from Slack on PostgreSQL (end-to-end)');

async function redisStore(): Promise<SharedStore> {
  const prefix = `fxb-test:settings-e2e:${randomUUID().slice(0, 8)}:`;
  const admin = new Redis(REDIS_URL);
  return {
    env: () => ({ STORE_URL: REDIS_URL, REDIS_KEY_PREFIX: prefix }),
    empty: () => deleteKeysUnder(admin, prefix),
    close: async () => {
      await deleteKeysUnder(admin, prefix);
      await admin.quit();
    },
  };
}

async function postgresStore(): Promise<SharedStore> {
  const db = await TestDatabase.create('settings_e2e');
  return {
    env: () => ({ STORE_URL: db.url }),
    empty: async () => {
      const store = await openPostgresStore({ url: db.url, ...DEFAULTS.postgres, poolSize: 1 });
      await store.pool.query('TRUNCATE fxb_relays, fxb_settings, fxb_settings_audit');
      await store.close();
    },
    close: () => db.drop(),
  };
}

const [U0, U1, U2] = defaultUsers();
const ADMIN = 'U0ADMIN';
const OTHER = 'U0OTHER';
const FILE = `aliases:\n  sales: [${U0!.openUserId}]\nadmins: [${ADMIN}]\n`;

describe.each([
  { name: 'Redis', up: redisUp, open: redisStore },
  { name: 'PostgreSQL', up: postgresUp, open: postgresStore },
])('settings managed from Slack (App Home, a $name store shared by two bridges)', ({ up, open }) => {
  let shared: SharedStore;
  let harness: Harness;
  let second: Bridge | undefined;

  beforeAll(async () => {
    if (up) shared = await open();
  });
  afterAll(async () => {
    await shared?.close();
  });
  afterEach(async () => {
    await second?.stop();
    second = undefined;
    await harness?.close();
    await shared?.empty();
  });

  const start = () => Harness.start({ fileConfig: FILE, env: shared.env() });

  /** Another bridge on the same store, file, emulator and fake Slack: a second replica. */
  async function secondBridge(h: Harness): Promise<Bridge> {
    return startBridge(loadConfig(h.env), {
      logDestination: new Writable({ write: (_chunk, _encoding, done) => done() }),
      botId: BOT_ID,
      botUserId: BOT_USER_ID,
      sleep: () => Promise.resolve(),
    });
  }

  async function homeOf(h: Harness, userId: string): Promise<SlackView> {
    const count = () =>
      h.slack.callsTo('views.publish').filter((call) => call.body.user_id === userId).length;
    const before = count();
    expect((await openHome(h, userId)).status).toBe(200);
    await h.slack.waitFor(() => count() > before);
    return publishedHome(h, userId) as SlackView;
  }

  function editButtons(view: SlackView): string[] {
    return view.blocks.flatMap((entry) =>
      entry.accessory?.action_id === 'fx_settings_edit' && entry.accessory.value
        ? [entry.accessory.value]
        : [],
    );
  }

  /** The Edit button of a section in the Home, clicked: the modal views.open showed. */
  async function clickEdit(h: Harness, section: string, userId: string): Promise<SlackView | undefined> {
    const before = h.slack.callsTo('views.open').length;
    const payload = blockActionPayload({
      actionId: 'fx_settings_edit',
      value: section,
      userId,
      messageTs: '0',
      responseUrl: '',
    });
    delete payload.response_url;
    delete payload.message;
    delete payload.channel;
    payload.container = { type: 'view', view_id: 'V0HOME' };
    expect((await sendInteraction(h.eventsUrl, TEST_SIGNING_SECRET, payload)).status).toBe(200);
    if (userId !== ADMIN) return undefined;
    const opened = await h.slack.waitFor(() => h.slack.callsTo('views.open')[before]);
    return opened.body.view as SlackView;
  }

  function submit(eventsUrl: string, section: string, yaml: string, userId: string) {
    return sendInteraction(
      eventsUrl,
      TEST_SIGNING_SECRET,
      viewSubmissionPayload({
        callbackId: 'fx_settings_modal',
        privateMetadata: section,
        userId,
        values: { fx_settings_yaml: { fx_settings_yaml: { type: 'plain_text_input', value: yaml } } },
      }),
    );
  }

  /** `/fx-send <recipients> <text>` through a bridge; the Fxiaoke message it sent. */
  async function send(h: Harness, eventsUrl: string, recipients: string, text: string) {
    await sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
      text: `${recipients} ${text}`,
      response_url: h.slack.responseUrl(),
    });
    return vi.waitFor(
      () => {
        const sent = h.emulator.messages.find((message) => JSON.stringify(message).includes(text));
        if (!sent) throw new Error(`nothing sent with ${text} yet`);
        return sent;
      },
      { timeout: 10_000, interval: 20 },
    );
  }

  it.skipIf(!up)(
    'an admin changes an alias in App Home; the next /fx-send uses it on both bridges, no restart',
    async () => {
      harness = await start();
      const h = harness;
      second = await secondBridge(h);
      const secondEvents = `http://127.0.0.1:${second.port}/slack/events`;
      // Before: `team` is no alias, on either bridge.
      expect(second.relay.settings.aliases).toEqual({ sales: [U0!.openUserId] });

      const home = await homeOf(h, ADMIN);
      expect(editButtons(home)).toEqual(['aliases', 'channelDefaults', 'routes', 'access', 'sync', 'admins']);
      expect(viewText(home)).toContain('No change yet.');
      const modal = (await clickEdit(h, 'aliases', ADMIN)) as SlackView;
      expect(modal.callback_id).toBe('fx_settings_modal');
      expect(JSON.stringify(modal.blocks)).toContain(U0!.openUserId);

      const yaml = `sales: [${U0!.openUserId}]\nteam: [${U1!.openUserId}, ${U2!.openUserId}]\n`;
      const saved = await submit(h.eventsUrl, 'aliases', yaml, ADMIN);
      expect(saved.status).toBe(200);
      expect(saved.body).toBe('');

      const here = await send(h, h.eventsUrl, 'team', `via the first ${randomUUID()}`);
      expect(here.toUser).toEqual([U1!.openUserId, U2!.openUserId]);
      // The second bridge reads the version from the store on its own, within a second or so.
      await vi.waitFor(() => expect(second?.relay.settings.aliases.team).toBeDefined(), { timeout: 10_000 });
      const there = await send(h, secondEvents, 'team', `via the second ${randomUUID()}`);
      expect(there.toUser).toEqual([U1!.openUserId, U2!.openUserId]);

      // The Home was published again with the change, and the audit says who made it.
      const after = publishedHome(h, ADMIN) as SlackView;
      expect(viewText(after)).toContain(`<@${ADMIN}>`);
      expect(viewText(after)).toContain('`aliases`');
      expect(viewText(after)).toContain('set in Slack');
      const io = captureIo(h.env);
      expect(await runCli(['audit'], io)).toBe(0);
      expect(io.stdout).toHaveLength(1);
      expect(io.stdout[0]).toContain(`  ${ADMIN}  aliases  `);
      expect(io.stdout[0]).toContain(U2!.openUserId);
    },
  );

  it.skipIf(!up)(
    'shows a non-admin nothing of the settings, and refuses their forged click and submission',
    async () => {
      harness = await start();
      const h = harness;
      const home = await homeOf(h, OTHER);
      expect(editButtons(home)).toEqual([]);
      expect(viewText(home)).not.toContain('Settings');

      await clickEdit(h, 'aliases', OTHER);
      const forged = await submit(h.eventsUrl, 'admins', `[${OTHER}]`, OTHER);
      expect(forged.status).toBe(200);
      expect(JSON.parse(forged.body)).toEqual({
        response_action: 'errors',
        errors: { fx_settings_yaml: 'Only fx-bridge admins may change these settings; nothing changed.' },
      });
      expect(h.slack.callsTo('views.open')).toEqual([]);
      const store = settingsOf(h.bridge.store);
      expect(await store.read(WORKSPACE_SCOPE)).toEqual({ version: 0, overrides: {} });
      expect(await store.audit(WORKSPACE_SCOPE, 10)).toEqual([]);
      expect(h.bridge.relay.settings.admins).toEqual([ADMIN]);
    },
  );

  it.skipIf(!up)(
    'refuses invalid YAML and invalid settings inline, with the config file’s message, storing nothing',
    async () => {
      harness = await start();
      const h = harness;
      const unparsable = await submit(h.eventsUrl, 'aliases', 'sales: [1000', ADMIN);
      expect(JSON.parse(unparsable.body).response_action).toBe('errors');
      expect(JSON.parse(unparsable.body).errors.fx_settings_yaml).toMatch(/^aliases is not valid YAML: /);

      // The config file's own messages for the same section, without the file's name in front.
      const yaml = '"123": ["1000"]\nsales: [alice]';
      const fileProblems: string[] = [];
      parseFileConfig(`aliases:\n  "123": ["1000"]\n  sales: [alice]\n`, 'FILE', fileProblems);
      expect(fileProblems).toHaveLength(2);
      const invalid = await submit(h.eventsUrl, 'aliases', yaml, ADMIN);
      expect(JSON.parse(invalid.body)).toEqual({
        response_action: 'errors',
        errors: {
          fx_settings_yaml: fileProblems.map((problem) => problem.replace(/^FILE: /, '')).join('\n'),
        },
      });
      const store = settingsOf(h.bridge.store);
      expect(await store.read(WORKSPACE_SCOPE)).toEqual({ version: 0, overrides: {} });
      expect(await store.audit(WORKSPACE_SCOPE, 10)).toEqual([]);
      expect(h.bridge.relay.settings.aliases).toEqual({ sales: [U0!.openUserId] });
    },
  );
});
