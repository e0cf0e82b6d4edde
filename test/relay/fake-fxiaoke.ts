/**
 * A scripted, in-memory `FxiaokeApi` for unit tests of relay/. Every call is recorded; each call
 * takes the next scripted step (an answer, an error to throw, or a function deciding either),
 * and falls back to a plain success once the script is used up.
 */
import { FxiaokeError, type FxiaokeErrorKind } from '../../src/fxiaoke/errors.js';
import { fxiaokeFailureOf } from '../../src/fxiaoke/failures.js';
import type {
  Article,
  CallFailure,
  CompositeCard,
  FxiaokeApi,
  MediaFile,
  RevokeOptions,
  RevokeResult,
  SendTextOptions,
  SendTextResult,
  UploadMediaResult,
} from '../../src/fxiaoke/interface.js';

export const SEND_PATH = '/cgi/app/message/send';
export const REVOKE_PATH = '/cgi/app/message/revoke';

export interface SendCall {
  /** 1-based number of this sendText (or sendComposite) call. */
  n: number;
  toUser: string[];
  /** The text; for a card, its `first.content`. */
  content: string;
  /** Set for a sendComposite call: the card as given. */
  card?: CompositeCard;
  /** The thirdTraceId the caller passed (undefined when it passed none). */
  thirdTraceId: string | undefined;
}

export interface ArticlesCall {
  /** 1-based number of this sendArticles call. */
  n: number;
  toUser: string[];
  articles: Article[];
  thirdTraceId: string | undefined;
}

export interface UploadCall {
  n: number;
  fileName: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface UploadAnswer {
  mediaId?: string;
  traceId?: string;
}

export interface RevokeCall {
  n: number;
  messageId: string;
}

export interface SendAnswer {
  traceId?: string;
  /** A string sets the id, `null` answers without one; absent means the fake's default. */
  messageId?: string | null;
}

export interface RevokeAnswer {
  traceId?: string;
}

/** An answer, an error to throw, or a function (possibly async) returning either. */
export type Step<Call, Answer> = Answer | Error | ((call: Call) => Answer | Error | Promise<Answer | Error>);

export interface FakeFxiaokeOptions {
  /** Defaults to `FSAID_FAKE`; pass `null` for plain, non-revocable sends. */
  serviceId?: string | null;
  /** Whether default service-account answers carry a message id (default true). */
  messageIds?: boolean;
  /** As FXIAOKE_REVOKE_DONE_CODES: refusals that settle an uncertain revoke as revoked (default none). */
  revokeDoneCodes?: number[];
}

export class FakeFxiaoke implements FxiaokeApi {
  readonly serviceId: string | undefined;
  readonly revokeDoneCodes: readonly number[];
  readonly sends: SendCall[] = [];
  readonly revokes: RevokeCall[] = [];
  readonly articleSends: ArticlesCall[] = [];
  readonly uploads: UploadCall[] = [];
  credentialChecks = 0;
  /**
   * While set, every message call waits for it before it is dispatched, as a call queued for the
   * rate budget does: nothing of it has gone out yet. `waiting` counts the calls held there.
   */
  budget: Promise<void> | undefined;
  waiting = 0;
  readonly #messageIds: boolean;
  readonly #sendScript: Step<SendCall, SendAnswer>[] = [];
  readonly #revokeScript: Step<RevokeCall, RevokeAnswer>[] = [];
  readonly #articlesScript: Step<ArticlesCall, SendAnswer>[] = [];
  readonly #uploadScript: Step<UploadCall, UploadAnswer>[] = [];
  #credentialsError: Error | undefined;

  constructor(options: FakeFxiaokeOptions = {}) {
    this.serviceId = options.serviceId === null ? undefined : (options.serviceId ?? 'FSAID_FAKE');
    this.#messageIds = options.messageIds ?? true;
    this.revokeDoneCodes = options.revokeDoneCodes ?? [];
  }

  /** Queues steps for the next sendText calls, in order. */
  scriptSend(...steps: Step<SendCall, SendAnswer>[]): this {
    this.#sendScript.push(...steps);
    return this;
  }

  /** Queues steps for the next revoke calls, in order. */
  scriptRevoke(...steps: Step<RevokeCall, RevokeAnswer>[]): this {
    this.#revokeScript.push(...steps);
    return this;
  }

  /** Queues steps for the next sendArticles calls, in order. */
  scriptArticles(...steps: Step<ArticlesCall, SendAnswer>[]): this {
    this.#articlesScript.push(...steps);
    return this;
  }

  /** Queues steps for the next uploadMedia calls, in order. */
  scriptUpload(...steps: Step<UploadCall, UploadAnswer>[]): this {
    this.#uploadScript.push(...steps);
    return this;
  }

  /** The real adapter's reading of its errors: the fake throws the same ones. */
  failureOf(thrown: unknown): CallFailure | undefined {
    return fxiaokeFailureOf(thrown);
  }

  failCredentials(error: Error | undefined): this {
    this.#credentialsError = error;
    return this;
  }

  async sendText(
    toUser: readonly string[],
    content: string,
    options: SendTextOptions = {},
  ): Promise<SendTextResult> {
    const call: SendCall = {
      n: this.sends.length + 1,
      toUser: [...toUser],
      content,
      thirdTraceId: options.thirdTraceId,
    };
    return this.#answerSend(call, options);
  }

  async #answerSend(call: SendCall, options: SendTextOptions): Promise<SendTextResult> {
    await this.#dispatch(options);
    this.sends.push(call);
    const answer = await play(this.#sendScript.shift(), call);
    const thirdTraceId = call.thirdTraceId ?? `fake-third-${call.n}`;
    const traceId = answer.traceId ?? `trace-send-${call.n}`;
    const messageId =
      answer.messageId === null
        ? undefined
        : (answer.messageId ?? (this.serviceId && this.#messageIds ? `msg-${call.n}` : undefined));
    return messageId === undefined
      ? { traceId, thirdTraceId, messageIdSource: 'none' }
      : { traceId, thirdTraceId, messageId, messageIdSource: 'data' };
  }

  /** A card is a batch's message like a text: recorded in `sends`, played from the send script. */
  async sendComposite(
    toUser: readonly string[],
    card: CompositeCard,
    options: SendTextOptions = {},
  ): Promise<SendTextResult> {
    const call: SendCall = {
      n: this.sends.length + 1,
      toUser: [...toUser],
      content: card.first?.content ?? '',
      card: structuredClone(card),
      thirdTraceId: options.thirdTraceId,
    };
    return this.#answerSend(call, options);
  }

  /** As the client does: the budget's wait, the caller's mark, then the request (none if the mark fails). */
  async #dispatch(options: SendTextOptions): Promise<void> {
    const budget = this.budget;
    if (budget) {
      this.waiting++;
      await budget.finally(() => this.waiting--);
    }
    await options.beforeDispatch?.();
  }

  /** Message ids `art-<n>`, traceIds `trace-articles-<n>` unless scripted. */
  async sendArticles(
    toUser: readonly string[],
    articles: readonly Article[],
    options: SendTextOptions = {},
  ): Promise<SendTextResult> {
    const call: ArticlesCall = {
      n: this.articleSends.length + 1,
      toUser: [...toUser],
      articles: articles.map((article) => ({ ...article })),
      thirdTraceId: options.thirdTraceId,
    };
    await this.#dispatch(options);
    this.articleSends.push(call);
    const answer = await play(this.#articlesScript.shift(), call);
    const thirdTraceId = call.thirdTraceId ?? `fake-third-articles-${call.n}`;
    const traceId = answer.traceId ?? `trace-articles-${call.n}`;
    const messageId =
      answer.messageId === null
        ? undefined
        : (answer.messageId ?? (this.serviceId && this.#messageIds ? `art-${call.n}` : undefined));
    return messageId === undefined
      ? { traceId, thirdTraceId, messageIdSource: 'none' }
      : { traceId, thirdTraceId, messageId, messageIdSource: 'top' };
  }

  /** Media ids `media-<n>`, traceIds `trace-upload-<n>` unless scripted. */
  async uploadMedia(file: MediaFile, options: SendTextOptions = {}): Promise<UploadMediaResult> {
    const call: UploadCall = {
      n: this.uploads.length + 1,
      fileName: file.fileName,
      contentType: file.contentType,
      bytes: file.bytes,
    };
    this.uploads.push(call);
    const answer = await play(this.#uploadScript.shift(), call);
    return {
      mediaId: answer.mediaId ?? `media-${call.n}`,
      mediaIdSource: 'top',
      traceId: answer.traceId ?? `trace-upload-${call.n}`,
      thirdTraceId: options.thirdTraceId ?? `fake-third-upload-${call.n}`,
    };
  }

  async revoke(messageId: string, options: RevokeOptions = {}): Promise<RevokeResult> {
    const call: RevokeCall = { n: this.revokes.length + 1, messageId };
    await options.beforeDispatch?.();
    this.revokes.push(call);
    const answer = await play(this.#revokeScript.shift(), call);
    return { traceId: answer.traceId ?? `trace-revoke-${messageId}`, thirdTraceId: `fake-revoke-${call.n}` };
  }

  async checkCredentials(): Promise<void> {
    this.credentialChecks += 1;
    if (this.#credentialsError) throw this.#credentialsError;
  }
}

async function play<Call, Answer extends object>(
  step: Step<Call, Answer> | undefined,
  call: Call,
): Promise<Partial<Answer>> {
  const outcome = typeof step === 'function' ? await step(call) : step;
  if (outcome instanceof Error) throw outcome;
  return outcome ?? {};
}

/** A `FxiaokeError` as the client would throw it; `errorCode` alone picks the documented kind. */
export function fxError(
  init: {
    errorCode?: number;
    kind?: FxiaokeErrorKind;
    traceId?: string;
    upstreamMessage?: string;
    mayHaveBeenDelivered?: boolean;
    path?: string;
  } = {},
): FxiaokeError {
  return new FxiaokeError({ path: SEND_PATH, ...init });
}

/** A transport failure after the request went out: Fxiaoke may have it. */
export function timeoutError(): FxiaokeError {
  return fxError({ kind: 'transport', mayHaveBeenDelivered: true });
}

/** A promise the test resolves by hand, to hold a fake call open. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
