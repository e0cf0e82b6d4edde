/** Shared by the install-mode end-to-end tests: bridges on SQLite files, the OAuth dance, signed requests. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import type { OAuthGrant } from '../../dev/fakes/slack-oauth.js';
import { signSlackRequest, slashCommandBody, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import {
  type InstallBridge,
  type InstallBridgeOptions,
  startInstallBridge,
} from '../../src/bridge-installs.js';
import { loadConfig } from '../../src/config.js';

export class InstallKit {
  readonly key = randomBytes(32).toString('base64');
  readonly running: InstallBridge[] = [];
  #files = 0;

  constructor(
    readonly slack: FakeSlackApi,
    readonly dir: string,
    readonly extraEnv: Record<string, string> = {},
  ) {}

  env(path: string, key = this.key): Record<string, string> {
    return {
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_CLIENT_ID: this.slack.oauth.client.id,
      SLACK_CLIENT_SECRET: this.slack.oauth.client.secret,
      SLACK_STATE_SECRET: 'state-secret-for-the-install-tests-0123456789',
      FX_BRIDGE_SECRET_KEY: key,
      SLACK_API_URL: this.slack.url,
      STORE_URL: `sqlite:${path}`,
      PORT: '0',
      LOG_LEVEL: 'silent',
      ...this.extraEnv,
    };
  }

  async start(
    path: string,
    options: InstallBridgeOptions = {},
    /** Variables of this start only, over the kit's. */
    overrides: Record<string, string> = {},
  ): Promise<{ bridge: InstallBridge; base: string }> {
    const bridge = await startInstallBridge(loadConfig({ ...this.env(path), ...overrides }), options);
    this.running.push(bridge);
    return { bridge, base: `http://127.0.0.1:${bridge.port}` };
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.splice(0).map((bridge) => bridge.stop()));
  }

  freshFile(): string {
    this.#files += 1;
    return join(this.dir, `installs-${this.#files}.db`);
  }

  /** GET /slack/install: Slack's authorize URL (with our state) and the browser's state cookie. */
  async beginInstall(base: string): Promise<{ state: string; cookie: string; location: URL }> {
    const res = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { state: location.searchParams.get('state') ?? '', cookie, location };
  }

  async redirect(base: string, query: Record<string, string>, cookie?: string) {
    const res = await fetch(`${base}/slack/oauth_redirect?${new URLSearchParams(query)}`, {
      headers: cookie ? { cookie } : {},
    });
    return { status: res.status, page: await res.text() };
  }

  async install(base: string, grant: OAuthGrant) {
    const { state, cookie } = await this.beginInstall(base);
    const { code, botToken } = this.slack.oauth.grant(grant);
    return { ...(await this.redirect(base, { code, state }, cookie)), botToken, state, cookie };
  }

  post(base: string, body: string, contentType: string): Promise<Response> {
    return fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...signSlackRequest(TEST_SIGNING_SECRET, body) },
      body,
    });
  }

  /** A signed interactivity payload (buttons, modal submissions). */
  interact(base: string, payload: Record<string, unknown>): Promise<Response> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.post(base, body, 'application/x-www-form-urlencoded');
  }

  async fxSend(base: string, teamId: string, extra: Record<string, string> = {}): Promise<string> {
    const params = new URLSearchParams(
      slashCommandBody({
        text: '1000 hello',
        team_id: teamId,
        response_url: `${this.slack.baseUrl}/response/x`,
      }),
    );
    for (const [name, value] of Object.entries(extra)) params.set(name, value);
    const res = await this.post(base, params.toString(), 'application/x-www-form-urlencoded');
    expect(res.status).toBe(200);
    // A connected workspace's /fx-send acks with no body: its receipt follows in the channel.
    const body = await res.text();
    return body === '' ? '' : (JSON.parse(body) as { text: string }).text;
  }

  event(teamId: string, inner: Record<string, unknown>, org?: string): string {
    return JSON.stringify({
      token: 'verification-token-test',
      team_id: teamId,
      ...(org ? { enterprise_id: org, is_enterprise_install: true } : {}),
      api_app_id: 'A0TEST',
      type: 'event_callback',
      event_id: `Ev${randomBytes(5).toString('hex')}`,
      event_time: Math.floor(Date.now() / 1000),
      event: { event_ts: `${Date.now() / 1000}`, ...inner },
      authorizations: [
        {
          enterprise_id: org ?? null,
          team_id: teamId,
          user_id: 'U0BOT',
          is_bot: true,
          is_enterprise_install: Boolean(org),
        },
      ],
    });
  }

  /** app_home_opened; resolves with the published view's call (its token in the headers). */
  async openHome(base: string, teamId: string, options: { org?: string; user?: string } = {}) {
    const before = this.slack.callsTo('views.publish').length;
    const inner = { type: 'app_home_opened', user: options.user ?? 'U0USER', channel: 'D0HOME', tab: 'home' };
    const res = await this.post(base, this.event(teamId, inner, options.org), 'application/json');
    expect(res.status).toBe(200);
    // This user's Home (another user's may be published meanwhile: after a connect, a send).
    const call = await this.slack.waitFor(() =>
      this.slack
        .callsTo('views.publish')
        .slice(before)
        .find((each) => each.body.user_id === inner.user),
    );
    return {
      authorization: call?.headers.authorization as string | undefined,
      view: JSON.stringify(call?.body.view),
    };
  }
}
