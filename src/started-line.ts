/**
 * The fields of the "fx-bridge started" log line: what a person needs to check the bridge came up
 * as they meant (mode, where Slack must send requests, which store, which Fxiaoke), with no secret.
 */
import type { Config } from './config.js';
import { SLACK_EVENTS_PATH } from './slack/app.js';

/**
 * A store URL without credentials: a Redis or PostgreSQL URL may carry a password
 * (redis://:secret@host, postgres://user:secret@host/db, or ?password= in its query).
 */
export function describeStore(storeUrl: string): string {
  const scheme = /^(rediss?|postgres(?:ql)?):/i.exec(storeUrl)?.[1];
  if (!scheme) return storeUrl;
  try {
    const url = new URL(storeUrl);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return scheme.toLowerCase().startsWith('redis') ? 'redis' : 'postgres';
  }
}

export function startedFields(config: Config, port: number): Record<string, unknown> {
  return {
    mode: config.slack.mode,
    port,
    ...(config.slack.mode === 'http'
      ? { slackEventsUrl: `http://localhost:${port}${SLACK_EVENTS_PATH}` }
      : { slackConnection: 'Socket Mode (outbound WebSocket; no public URL needed)' }),
    store: describeStore(config.storeUrl),
    fxiaoke: config.fxiaoke.baseUrl,
    revocable: Boolean(config.fxiaoke.serviceId),
  };
}
