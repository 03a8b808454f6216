// The API's one error format and the single place that turns typed errors into HTTP responses:
//   { "error": { "code": "...", "message": "...", "field"?: "..." } }
// Middleware at the HTTP edge throw `HttpError` (a HTTPException); everything below the edge throws
// the project's typed errors (lib/errors.ts), and `onError` maps them. Unknown errors become a
// generic 500: no stack, no internal message.
import { z } from '@hono/zod-openapi';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  BrokerUnavailableError,
  ConflictError,
  NotFoundError,
  StoreUnavailableError,
  TwsError,
  ValidationError,
} from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: 'Stable machine-readable code, e.g. VALIDATION_FAILED' }),
      message: z.string().openapi({ description: 'Human-readable explanation' }),
      field: z.string().optional().openapi({ description: 'The request parameter or body field at fault' }),
    }),
  })
  .openapi('Error');

export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const errorBody = (code: string, message: string, field?: string): ErrorBody => ({
  error: field === undefined ? { code, message } : { code, message, field },
});

/** An error raised at the HTTP edge (auth, rate limit, body size) with its code and extra headers. */
export class HttpError extends HTTPException {
  readonly code: string;
  readonly field: string | undefined;
  readonly headers: Record<string, string>;
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    opts: { field?: string; headers?: Record<string, string> } = {},
  ) {
    super(status, { message });
    this.code = code;
    this.field = opts.field;
    this.headers = opts.headers ?? {};
  }
}

/** The caller may not do this (ad-hoc SQL that writes, changes settings or reads files). */
export class ForbiddenError extends TwsError {
  constructor(message: string) {
    super(message, { code: 'FORBIDDEN' });
  }
}

/** An analyst's ad-hoc SQL failed in ClickHouse (syntax, unknown column, a limit): their error, a 400. */
export class SqlQueryError extends TwsError {
  constructor(message: string, code = 'SQL_ERROR') {
    super(message, { code });
  }
}

/** Retry-After for 503s: the store and broker are retried by their clients within seconds. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

function send(
  c: Context,
  status: ContentfulStatusCode,
  body: ErrorBody,
  headers: Record<string, string> = {},
): Response {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  c.header('Cache-Control', 'no-store');
  return c.json(body, status);
}

export function createErrorHandler(logger?: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof HttpError)
      return send(c, err.status as ContentfulStatusCode, errorBody(err.code, err.message, err.field), err.headers);
    if (err instanceof ValidationError) return send(c, 400, errorBody(err.code, err.message, err.field));
    if (err instanceof ForbiddenError) return send(c, 403, errorBody(err.code, err.message));
    if (err instanceof SqlQueryError) return send(c, 400, errorBody(err.code, err.message, 'sql'));
    if (err instanceof NotFoundError) return send(c, 404, errorBody(err.code, err.message));
    if (err instanceof ConflictError) return send(c, 409, errorBody(err.code, err.message));
    const retryAfter = { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) };
    if (err instanceof StoreUnavailableError)
      return send(
        c,
        503,
        errorBody(err.code, 'the analytics store is temporarily unavailable; retry later'),
        retryAfter,
      );
    if (err instanceof BrokerUnavailableError)
      return send(
        c,
        503,
        errorBody(err.code, 'the message broker is temporarily unavailable; retry later'),
        retryAfter,
      );
    if (err instanceof HTTPException && err.status < 500) {
      // Raised by hono itself (malformed JSON body, unsupported media type, ...).
      const status = err.status as ContentfulStatusCode;
      const field = status === 400 || status === 415 ? 'body' : undefined;
      return send(
        c,
        status,
        errorBody(CODE_BY_STATUS[status] ?? `HTTP_${status}`, err.message || 'bad request', field),
      );
    }
    logger?.error({ err, method: c.req.method, path: c.req.path }, 'unhandled API error');
    return send(c, 500, errorBody('INTERNAL', 'internal server error'));
  };
}

export const notFoundHandler: NotFoundHandler = (c) =>
  send(c, 404, errorBody('NOT_FOUND', `no route for ${c.req.method} ${c.req.path.slice(0, 200)}`));
