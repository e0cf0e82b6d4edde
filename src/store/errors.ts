import { StoreError } from '../relay/ports/store-errors.js';

/** The failures the core branches on (a conflict, a relay gone, a Slack message taken) are its port. */
export {
  isStoreRefusal,
  RelayNotFoundError,
  SlackMessageTakenError,
  StoreConflictError,
  StoreError,
  type StoreRefusal,
} from '../relay/ports/store-errors.js';

/**
 * The store answers but is set up in a way the bridge refuses to run on (a Redis that evicts keys):
 * a configuration error, so `fx-bridge start` exits 78 like any other, with a message that says
 * what to change.
 */
export class StoreConfigurationError extends StoreError {
  override readonly code: string = 'store_configuration';
}

/**
 * The store STORE_URL names could not be opened at start: a configuration problem like any other
 * (exit 78), named by the variable and the place (a SQLite path, a Redis host), never with a
 * password the URL carries.
 */
export class StoreOpenError extends StoreError {
  override readonly code = 'store_open_failed';
  constructor(storeUrl: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`STORE_URL=${shownStoreUrl(storeUrl)} could not be opened: ${withoutPassword(reason, storeUrl)}`, {
      cause,
    });
  }
}

/** A store URL as it may be shown: without the user and password of a redis://, postgres://… URL. */
function shownStoreUrl(storeUrl: string): string {
  const trimmed = storeUrl.trim();
  const hierarchical = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  if (!hierarchical) return trimmed;
  const url = parsedUrl(trimmed);
  // Unreadable: whatever follows the scheme could hold a password.
  if (!url) return `${hierarchical[1]}://…`;
  if (url.username === '' && url.password === '') return trimmed;
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The text with the URL and its password cut out wherever they appear (an adapter's message may echo them). */
function withoutPassword(text: string, storeUrl: string): string {
  const trimmed = storeUrl.trim();
  const url = parsedUrl(trimmed);
  // An unreadable URL's user part is taken as it is written: it may hold the password.
  const userInfo = /^[a-z][a-z0-9+.-]*:\/\/([^/]*)@/i.exec(trimmed)?.[1] ?? '';
  const password = url ? url.password : userInfo;
  if (password === '') return text;
  return [trimmed, password, safeDecode(password)].reduce(
    (scrubbed, secret) => scrubbed.split(secret).join('***'),
    text,
  );
}

function parsedUrl(text: string): URL | undefined {
  try {
    // sqlite:, memory: and other opaque URLs have no credentials to hide.
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim()) ? new URL(text.trim()) : undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The store could not be reached or did not answer in time: a connection refused or reset, a
 * server shutting down, a statement or lock timeout. Retrying later may succeed (held-back writes
 * do, see relay/persistently.ts); a front door says nothing was taken.
 */
export class StoreUnavailableError extends StoreError {
  override readonly code = 'store_unavailable';
}
