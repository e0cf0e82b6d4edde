/**
 * Signature first: a request-listener stage in front of Bolt's HTTPReceiver for `POST /slack/events`.
 * Bolt buffers and parses a body (querystring, JSON.parse) before it checks the signature, and the
 * guard we had against `null` bodies did the same: eight unsigned 4 MB `[[[[…]]]]` bodies took
 * seconds to parse and delayed real acks. Here, in this order:
 *
 *   1. headers only: signature and timestamp present, well formed, within 5 minutes either way,
 *      else 401 without reading the body (the unread body is discarded, never buffered);
 *   2. a declared Content-Length over the body limit: 413, also unread;
 *   3. the body is buffered (at most the limit, else 413) and its HMAC compared: else 401;
 *   4. only now parsed: a body that is not a JSON object gets 400 (Bolt 5.1 crashes the process on
 *      a signed `null` body, reading `null.ssl_check` outside any handler), one that does not parse
 *      goes on to Bolt, which answers it as before;
 *   5. Bolt gets the request with the buffered body (`rawBody`), so it is not read twice; Bolt's own
 *      signature check runs again on it (cheap, and it stays the second line of defence).
 *
 * The one unsigned request Bolt accepts, Slack's `ssl_check=1` probe, is let through only as a
 * small form body (Bolt then answers it with everything but `ssl_check` stripped).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import {
  type BufferedIncomingMessage,
  defaultBodyLimit,
  HTTPModuleFunctions,
  type HTTPReceiver,
} from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { checkSlackHeaders, type SignatureFailure, signatureMatches } from './verify-request.js';

export interface SignatureFirstOptions {
  signingSecret: string;
  log: Logger;
  /** Default `/slack/events`. */
  path?: string;
  /** Default Bolt's (4 MB). */
  bodyLimit?: number;
  now?: () => number;
  /** How a verified body is parsed; default Bolt's. Tests count its calls. */
  parse?: (req: BufferedIncomingMessage) => unknown;
}

/** Unsigned `ssl_check=1` probes larger than this are not probes. */
const SSL_CHECK_MAX_BYTES = 1_024;
const FORM = 'application/x-www-form-urlencoded';

function header(req: IncomingMessage, name: string): string | string[] | undefined {
  return req.headers[name];
}

/** Answers without reading the body; what the client still sends is read and dropped, not kept. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number): void {
  HTTPModuleFunctions.buildNoBodyResponse(res, status);
  req.resume();
}

function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  if (value === undefined) return undefined;
  const length = Number(value);
  return Number.isFinite(length) ? length : undefined;
}

function isTooLarge(error: unknown): boolean {
  return (
    HTTPModuleFunctions.isRawBodyError(error) &&
    (error.type === 'entity.too.large' || error.statusCode === 413)
  );
}

/** The stage as a request listener; `next` is Bolt's (or anything behind it). */
export function signatureFirst(next: RequestListener, options: SignatureFirstOptions): RequestListener {
  const path = options.path ?? '/slack/events';
  const limit = options.bodyLimit ?? defaultBodyLimit;
  const now = options.now ?? Date.now;
  const parse = options.parse ?? HTTPModuleFunctions.parseHTTPRequestBody;
  const { log, signingSecret } = options;
  const unauthorized = (req: IncomingMessage, res: ServerResponse, reason: SignatureFailure) => {
    // debug: an unsigned flood must not flood the log as well. Never the signature or the secret.
    log.debug({ reason }, 'Slack request refused: signature not verified; answered 401');
    refuse(req, res, 401);
  };

  const buffered = (
    req: IncomingMessage,
    res: ServerResponse,
    then: (req: BufferedIncomingMessage) => void,
  ) => {
    HTTPModuleFunctions.bufferIncomingMessage(req, limit).then(then, (error: unknown) => {
      if (!res.headersSent) HTTPModuleFunctions.buildNoBodyResponse(res, isTooLarge(error) ? 413 : 400);
    });
  };

  return (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (req.method?.toUpperCase() !== 'POST' || pathname !== path) {
      next(req, res);
      return;
    }
    const check = checkSlackHeaders(
      { signature: header(req, 'x-slack-signature'), timestamp: header(req, 'x-slack-request-timestamp') },
      now(),
    );
    const length = declaredLength(req);
    if (!check.ok) {
      const probe =
        req.headers['content-type'] === FORM && length !== undefined && length <= SSL_CHECK_MAX_BYTES;
      if (!probe) return unauthorized(req, res, check.reason);
      buffered(req, res, (body) => {
        if (parseQuery(body.rawBody.toString('utf8')).ssl_check === '1') next(req, res);
        else unauthorized(req, res, check.reason);
      });
      return;
    }
    if (length !== undefined && length > limit) {
      refuse(req, res, 413);
      return;
    }
    buffered(req, res, (body) => {
      if (!signatureMatches(signingSecret, check.timestampSeconds, body.rawBody, check.signature)) {
        unauthorized(req, res, 'signature_mismatch');
        return;
      }
      let parsed: unknown;
      try {
        parsed = parse(body);
      } catch {
        next(req, res); // Bolt verifies again, fails to parse it too and answers as it always has
        return;
      }
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        next(req, res);
        return;
      }
      log.warn('Slack request body is not a JSON object; answered 400');
      HTTPModuleFunctions.buildNoBodyResponse(res, 400);
    });
  };
}

/** Puts the stage in front of the receiver's own request listener. */
export function verifySignaturesFirst(receiver: HTTPReceiver, options: SignatureFirstOptions): void {
  receiver.requestListener = signatureFirst(receiver.requestListener, options);
}
