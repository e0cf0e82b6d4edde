import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INSTALL_BOT_SCOPES } from '../src/slack/installs/scopes.js';

const manifestPath = fileURLToPath(new URL('../manifest.yml', import.meta.url));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`manifest.yml: ${where} must be a mapping`);
  return value;
}

function list(value: unknown, where: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) throw new Error(`manifest.yml: ${where} must be a list`);
  return value.map((item, i) => record(item, `${where}[${i}]`));
}

const manifest = record(parse(readFileSync(manifestPath, 'utf8')), 'the document');
const features = record(manifest.features, 'features');
const settings = record(manifest.settings, 'settings');
const commands = list(features.slash_commands, 'features.slash_commands');
const shortcuts = list(features.shortcuts, 'features.shortcuts');

describe('manifest.yml (the Slack-side contract)', () => {
  it('declares /fx-send with should_escape: true', () => {
    const command = commands.find((c) => c.command === '/fx-send');
    expect(command).toBeDefined();
    expect(command?.should_escape).toBe(true);
  });

  it('declares both message shortcuts with their fixed callback_ids and names', () => {
    const byId = new Map(shortcuts.map((s) => [s.callback_id, s]));
    expect(byId.get('fx_send_message')).toMatchObject({ name: 'Send to Fxiaoke', type: 'message' });
    expect(byId.get('fx_revoke_message')).toMatchObject({ name: 'Revoke from Fxiaoke', type: 'message' });
  });

  it('enables Socket Mode and interactivity', () => {
    expect(settings.socket_mode_enabled).toBe(true);
    expect(record(settings.interactivity, 'settings.interactivity').is_enabled).toBe(true);
  });

  it('requests the bot scopes the app needs', () => {
    const scopes = record(record(manifest.oauth_config, 'oauth_config').scopes, 'oauth_config.scopes');
    expect(scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write']));
    // users.info with the profile e-mail: Slack needs both scopes for the e-mail to be there.
    expect(scopes.bot).toEqual(expect.arrayContaining(['users:read', 'users:read.email']));
    // url_private downloads of a relayed message's images; without it Slack serves its sign-in page.
    expect(scopes.bot).toEqual(expect.arrayContaining(['files:read']));
    // usergroups.users.list: members of access.send.userGroups (who may send).
    expect(scopes.bot).toEqual(expect.arrayContaining(['usergroups:read']));
  });

  it('subscribes to what channel routes need: message events, reaction_added, and the reaction scopes', () => {
    const scopes = record(record(manifest.oauth_config, 'oauth_config').scopes, 'oauth_config.scopes');
    // reaction_added (forward: reaction) needs reactions:read; the ✅ mark of a relayed message reactions:write.
    expect(scopes.bot).toEqual(expect.arrayContaining(['reactions:read', 'reactions:write']));
    expect(scopes.bot).toEqual(expect.arrayContaining(['channels:history', 'groups:history']));
    const events = record(settings.event_subscriptions, 'settings.event_subscriptions');
    expect(events.bot_events).toEqual(
      expect.arrayContaining(['reaction_added', 'message.channels', 'message.groups']),
    );
  });

  it('enables the App Home tab and subscribes to app_home_opened', () => {
    expect(record(features.app_home, 'features.app_home')).toMatchObject({
      home_tab_enabled: true,
      messages_tab_enabled: true,
    });
    const events = record(settings.event_subscriptions, 'settings.event_subscriptions');
    expect(events.bot_events).toEqual(expect.arrayContaining(['app_home_opened']));
  });

  it('install mode: asks for exactly these bot scopes, redirects to /slack/oauth_redirect, hears uninstalls', () => {
    const oauth = record(manifest.oauth_config, 'oauth_config');
    expect(record(oauth.scopes, 'oauth_config.scopes').bot).toEqual([...INSTALL_BOT_SCOPES]);
    expect(oauth.redirect_urls).toEqual([expect.stringMatching(/^https:\/\/.+\/slack\/oauth_redirect$/)]);
    const events = record(settings.event_subscriptions, 'settings.event_subscriptions');
    expect(events.bot_events).toEqual(expect.arrayContaining(['app_uninstalled', 'tokens_revoked']));
  });

  it('sends the recipients typeahead (external select options) to /slack/events', () => {
    const interactivity = record(settings.interactivity, 'settings.interactivity');
    expect(String(interactivity.message_menu_options_url)).toMatch(/^https:\/\/.+\/slack\/events$/);
  });

  it('points every request URL at /slack/events', () => {
    const urls = [
      ...commands.map((c) => c.url),
      record(settings.interactivity, 'settings.interactivity').request_url,
      isRecord(settings.event_subscriptions) ? settings.event_subscriptions.request_url : undefined,
      record(settings.interactivity, 'settings.interactivity').message_menu_options_url,
    ].filter((url) => url !== undefined);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      expect(typeof url).toBe('string');
      expect(String(url)).toMatch(/^https:\/\/.+\/slack\/events$/);
    }
  });
});

describe('manifest.yml against Slack’s app manifest schema', () => {
  // A copy of Slack's official schema (MIT, see its LICENSE beside it), so the tests need nothing
  // outside the project.
  const schemaPath = fileURLToPath(
    new URL('./fixtures/slack-manifest-schema/manifest.schema.1.0.0.json', import.meta.url),
  );
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
  // `format: uri` etc. are not checked (no ajv-formats); everything structural is.
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(schema);

  it('is a valid manifest', () => {
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema catches a broken manifest (so the check above can fail)', () => {
    const broken = structuredClone(manifest) as Record<string, unknown>;
    record(broken.settings, 'settings').event_subscriptions = { bot_events: 'message.channels' };
    expect(validate(broken)).toBe(false);
  });

  it('subscribes to message events with the history scopes they need (edits and deletes)', () => {
    const events = record(settings.event_subscriptions, 'settings.event_subscriptions');
    const scopes = record(record(manifest.oauth_config, 'oauth_config').scopes, 'oauth_config.scopes');
    const needs: Record<string, string> = {
      'message.channels': 'channels:history',
      'message.groups': 'groups:history',
      'message.im': 'im:history',
      'message.mpim': 'mpim:history',
    };
    for (const [event, scope] of Object.entries(needs)) {
      expect(events.bot_events).toContain(event);
      expect(scopes.bot).toContain(scope);
    }
  });
});
