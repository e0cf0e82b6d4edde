/**
 * One HTTP round trip to Fxiaoke: POST JSON with `thirdTraceId`, parse the envelope, turn every
 * failure into a `FxiaokeError`. No retries and no auth here; the client layers those on top.
 */
import { randomUUID } from 'node:crypto';
import { Agent, FormData, request, errors as undiciErrors } from 'undici';
import { FxiaokeError, httpStatusRow } from './errors.js';
import { type Envelope, envelopeSchema } from './schemas.js';

/** One finished HTTP call, token calls included (metrics, debug logs). */
export interface FxiaokeCallEvent {
  path: string;
  durationMs: number;
  errorCode: number | undefined;
  traceId: string | undefined;
  outcome: 'ok' | 'error' | 'transport';
}

export interface TransportOptions {
  baseUrl: string;
  onCall?: (event: FxiaokeCallEvent) => void;
  /** Whole-request deadline (connect + headers + body). */
  timeoutMs: number;
  /** Open keep-alive connections to Fxiaoke; defaults to 16. */
  connections?: number;
}

/**
 * A `multipart/form-data` body (`/media/upload`): text fields (none today: public clients put
 * `type` and the legacy token in the query string) and one file. Every other call is JSON. The
 * boundary and Content-Type are set by the HTTP client.
 */
export class MultipartBody {
  constructor(
    readonly fields: Readonly<Record<string, string>>,
    readonly file: { field: string; bytes: Uint8Array; fileName: string; contentType: string },
  ) {}

  toFormData(): FormData {
    const form = new FormData();
    for (const [name, value] of Object.entries(this.fields)) form.append(name, value);
    const { field, bytes, fileName, contentType } = this.file;
    form.append(field, new Blob([bytes], { type: contentType }), fileName);
    return form;
  }
}

export type TransportBody = Record<string, unknown> | MultipartBody;

export interface TransportResponse {
  envelope: Envelope;
  /** The response body text, for fields whose JSON number form loses precision. */
  rawBody: string;
  thirdTraceId: string;
}

/** Errors raised before a single byte could reach Fxiaoke: safe to retry any call. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
]);

function errorCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/** `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class FxiaokeTransport {
  private readonly agent: Agent;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly onCall: TransportOptions['onCall'];

  constructor(options: TransportOptions) {
    this.onCall = options.onCall;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
    this.agent = new Agent({
      connections: options.connections ?? 16,
      // Below typical gateway idle timeouts, so a reused socket is rarely one the server closed.
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 30_000,
      connect: { timeout: Math.min(options.timeoutMs, 5_000) },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /**
   * `query`: extra query parameters beside `thirdTraceId` (the upload's token, corpId and type, as
   * the .NET SDK and the doc's curl send them). Never logged: the token may be among them.
   */
  async post(
    path: string,
    body: TransportBody,
    headers: Record<string, string> = {},
    thirdTraceId: string = randomUUID(),
    query: Readonly<Record<string, string>> = {},
  ): Promise<TransportResponse> {
    const started = performance.now();
    const report = (outcome: FxiaokeCallEvent['outcome'], envelope?: Envelope) =>
      this.onCall?.({
        path,
        durationMs: performance.now() - started,
        errorCode: envelope?.errorCode,
        traceId: envelope?.traceId ?? undefined,
        outcome,
      });
    try {
      const response = await this.send(path, body, headers, thirdTraceId, query);
      report(response.envelope.errorCode === 0 ? 'ok' : 'error', response.envelope);
      return response;
    } catch (error) {
      report('transport');
      throw error;
    }
  }

  private async send(
    path: string,
    body: TransportBody,
    headers: Record<string, string>,
    thirdTraceId: string,
    query: Readonly<Record<string, string>>,
  ): Promise<TransportResponse> {
    const params = new URLSearchParams({ thirdTraceId, ...query });
    const url = `${this.baseUrl}${path}?${params.toString()}`;
    const failure = (
      meaning: string,
      extra: { mayHaveBeenDelivered: boolean; cause?: unknown; kind?: 'transport' },
    ) => new FxiaokeError({ path, kind: 'transport', meaning, thirdTraceId, ...extra });

    let statusCode: number;
    let rawBody: string;
    let retryAfter: string | string[] | undefined;
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers:
          body instanceof MultipartBody
            ? { accept: 'application/json', ...headers }
            : { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: body instanceof MultipartBody ? body.toFormData() : JSON.stringify(body),
        // No whole-request AbortSignal: its clock would also run while the request waits for a
        // pooled connection, and a request that never left this process would then be recorded
        // as "may have been delivered". headersTimeout and bodyTimeout start on the wire.
      });
      statusCode = response.statusCode;
      retryAfter = response.headers['retry-after'];
      rawBody = await response.body.text();
    } catch (error) {
      const code = errorCodeOf(error);
      if (code && NOT_SENT_CODES.has(code)) {
        return Promise.reject(
          failure(`Fxiaoke could not be reached (${code})`, { mayHaveBeenDelivered: false, cause: error }),
        );
      }
      const timedOut =
        (error instanceof Error && error.name === 'TimeoutError') ||
        error instanceof undiciErrors.HeadersTimeoutError ||
        error instanceof undiciErrors.BodyTimeoutError;
      const meaning = timedOut
        ? `Fxiaoke did not answer within ${this.timeoutMs} ms`
        : `the connection to Fxiaoke failed (${code ?? 'network error'})`;
      throw failure(meaning, { mayHaveBeenDelivered: true, cause: error });
    }

    if (statusCode !== 200) {
      // 401, 403 and 429 are the gateway's own refusals (error-table.ts): it stopped the call before
      // Fxiaoke acted, so even a send may be repeated. The client refreshes the token on 401 and
      // pauses the endpoint on 429.
      const refusal = httpStatusRow(statusCode);
      if (refusal) {
        throw new FxiaokeError({
          path,
          kind: refusal.kind,
          meaning: refusal.meaning,
          thirdTraceId,
          httpStatus: statusCode,
          mayHaveBeenDelivered: false,
          retryAfterMs: statusCode === 429 ? parseRetryAfter(retryAfter) : undefined,
        });
      }
      // 502/503 come from a gateway that did not pass the call on; anything else may have.
      const mayHaveBeenDelivered = statusCode !== 502 && statusCode !== 503;
      throw new FxiaokeError({
        path,
        kind: 'transport',
        meaning: `Fxiaoke answered HTTP ${statusCode}`,
        thirdTraceId,
        httpStatus: statusCode,
        mayHaveBeenDelivered,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw failure('Fxiaoke answered with something that is not JSON', { mayHaveBeenDelivered: true });
    }
    const parsed = envelopeSchema.safeParse(json);
    if (!parsed.success) {
      throw failure('Fxiaoke answered without an errorCode', { mayHaveBeenDelivered: true });
    }
    return { envelope: parsed.data, rawBody, thirdTraceId };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
