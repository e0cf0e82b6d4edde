/**
 * Files of a Slack message: read from the message shortcut's payload, carried through the compose
 * modal, and downloaded for the relay (`AttachmentFetcher`) with the bot token, which needs the
 * `files:read` scope. Without it Slack answers with its HTML sign-in page and HTTP 200; relay/
 * tells that page from an image by its bytes.
 */
import type { AttachmentFetcher, AttachmentRef, FetchedFile } from '../../relay/attachments.js';

/** Slack attaches at most 10 files to a message; more in a payload is not Slack's doing. */
export const MAX_FILES = 10;
/** Default cap of one download. */
export const DEFAULT_FILE_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_FILE_TIMEOUT_MS = 15_000;
const MAX_REDIRECTS = 3;
const MAX_NAME = 80;

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * The files of a message as the message shortcut delivers it (`message.files`). Files Slack keeps
 * elsewhere (`is_external`: Google Drive and the like), deleted ones (`tombstone`) and ones past a
 * free plan's limit (`hidden_by_limit`) keep their name but get no link: the bot token must never
 * go to another host, and those links serve no file.
 */
export function messageFiles(message: { files?: unknown } | undefined): AttachmentRef[] {
  const files = Array.isArray(message?.files) ? message.files : [];
  return files.slice(0, MAX_FILES).flatMap((item): AttachmentRef[] => {
    const file = obj(item);
    if (!file) return [];
    const name = text(file.name) ?? text(file.title) ?? text(file.id) ?? 'file';
    const unusable =
      file.is_external === true || file.mode === 'tombstone' || file.mode === 'hidden_by_limit';
    const url = unusable ? undefined : text(file.url_private);
    const id = text(file.id);
    const mimetype = text(file.mimetype);
    return [
      {
        ...(id ? { fileId: id } : {}),
        name: [...name].slice(0, MAX_NAME).join(''),
        ...(mimetype ? { mimetype } : {}),
        ...(url ? { url } : {}),
      },
    ];
  });
}

/**
 * Files that fit in a modal's `private_metadata` (3000 characters, shared with the rest of it):
 * a file that does not fit whole keeps its name (it is then listed, not forwarded).
 */
export function fitFiles(files: readonly AttachmentRef[], budget: number): AttachmentRef[] {
  const kept: AttachmentRef[] = [];
  let used = 2;
  for (const file of files) {
    const whole = JSON.stringify(file).length + 1;
    if (used + whole <= budget) {
      kept.push(file);
      used += whole;
      continue;
    }
    const { url: _dropped, ...named } = file;
    const small = JSON.stringify(named).length + 1;
    if (used + small > budget) break;
    kept.push(named);
    used += small;
  }
  return kept;
}

export interface SlackFileDownloaderOptions {
  /** The bot token, or where to read it each time (install mode: a workspace's rotating token). */
  botToken: string | (() => Promise<string>);
  /** Largest file downloaded; a larger one is not forwarded. */
  maxBytes?: number;
  /** Deadline of one whole download, redirects included. */
  timeoutMs?: number;
  /**
   * Origins besides Slack's own hosts that may receive the bot token: the origin of SLACK_API_URL
   * (a proxy, GovSlack, the tests' fake Slack).
   */
  trustedOrigins?: readonly string[];
  fetch?: typeof fetch;
}

/** Downloads `url_private` with the bot token, capped in size and time, redirects only within Slack. */
export class SlackFileDownloader implements AttachmentFetcher {
  readonly #token: string | (() => Promise<string>);
  readonly #maxBytes: number;
  readonly #timeoutMs: number;
  readonly #origins: ReadonlySet<string>;
  readonly #fetch: typeof fetch;

  constructor(options: SlackFileDownloaderOptions) {
    this.#token = options.botToken;
    this.#maxBytes = options.maxBytes ?? DEFAULT_FILE_MAX_BYTES;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_FILE_TIMEOUT_MS;
    this.#origins = new Set(options.trustedOrigins ?? []);
    this.#fetch = options.fetch ?? fetch;
  }

  /** Slack's file and sign-in hosts over HTTPS, or a configured origin. */
  isTrusted(url: URL): boolean {
    if (this.#origins.has(url.origin)) return true;
    const host = url.hostname.toLowerCase();
    const slack = ['slack.com', 'slack-gov.com'].some(
      (domain) => host === domain || host.endsWith(`.${domain}`),
    );
    return slack && url.protocol === 'https:';
  }

  async fetch(ref: AttachmentRef): Promise<FetchedFile> {
    if (!ref.url) return { ok: false, reason: 'there is no link to it' };
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      const token = typeof this.#token === 'string' ? this.#token : await this.#token();
      let url = new URL(ref.url);
      for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        if (!this.isTrusted(url)) return { ok: false, reason: `its link leads outside Slack (${url.host})` };
        const response = await this.#fetch(url, {
          headers: { authorization: `Bearer ${token}` },
          // Followed by hand, so the token is never sent on to a host outside Slack.
          redirect: 'manual',
          signal,
        });
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          await response.body?.cancel();
          url = new URL(location, url);
          continue;
        }
        if (response.status !== 200) {
          await response.body?.cancel();
          return { ok: false, reason: `Slack answered HTTP ${response.status}` };
        }
        const bytes = await this.#read(response);
        if (!bytes) return { ok: false, reason: `it is larger than ${megabytes(this.#maxBytes)}` };
        return { ok: true, bytes, contentType: response.headers.get('content-type') ?? undefined };
      }
      return { ok: false, reason: 'Slack redirected it too many times' };
    } catch (error) {
      if (signal.aborted) return { ok: false, reason: `it took longer than ${this.#timeoutMs / 1000} s` };
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      return {
        ok: false,
        reason: `Slack could not be reached (${typeof code === 'string' ? code : 'network error'})`,
      };
    }
  }

  /** The body, or undefined as soon as it grows past the cap (declared or not). */
  async #read(response: Response): Promise<Uint8Array | undefined> {
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > this.#maxBytes || !response.body) {
      await response.body?.cancel();
      return declared > this.#maxBytes ? undefined : new Uint8Array();
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.#maxBytes) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  }
}

function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (mb < 1) return `${Math.round(bytes / 1024)} KB`;
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}
