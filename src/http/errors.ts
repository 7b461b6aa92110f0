/**
 * The API's one error shape, `{"error": {"code", "message", "details"}}`, and the handler
 * that maps every failure onto it. Messages say what was wrong, where, and what to do;
 * unexpected errors are logged and answered with a generic 500 that leaks nothing.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { InvalidCursorError } from '../ledger/read.ts';
import { ForbiddenError, NotFoundError, RateLimitedError, UserError } from '../platform/errors.ts';

/** A request that conflicts with stored data (409): deleting a customer that has invoices. */
export class ConflictError extends UserError {}

/** A request field that fails a check the schema cannot express (400 validation_failed). */
export class FieldError extends UserError {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export interface RowError {
  row: number;
  column: string | null;
  value: string | null;
  reason: string;
}

/** An upsert with rejected rows (422); details list every rejected row with its field path. */
export class RejectedRowsError extends UserError {
  constructor(
    message: string,
    readonly rows: readonly (RowError & { path: string })[],
  ) {
    super(message, rows);
  }
}

export interface ErrorPayload {
  error: { code: string; message: string; details?: unknown[] };
}

export function errorPayload(code: string, message: string, details?: unknown[]): ErrorPayload {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

const CONTEXT_NAMES: Record<string, string> = { querystring: 'query', params: 'path', headers: 'headers' };

/** '/items/3/due_date' in 'body' → 'body.items[3].due_date'. */
export function fieldPath(context: string, instancePath: string, key?: string): string {
  let path = CONTEXT_NAMES[context] ?? context;
  const segments = instancePath.split('/').filter((s) => s !== '');
  if (key !== undefined) segments.push(key);
  for (const s of segments) path += /^\d+$/.test(s) ? `[${s}]` : `.${s}`;
  return path;
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function validationDetails(context: string, issues: readonly ValidationIssue[]) {
  const details: { path: string; message: string }[] = [];
  for (const issue of issues) {
    const keys = issue.keyword === 'unrecognized_keys' ? issue.params.keys : undefined;
    if (Array.isArray(keys) && keys.length > 0) {
      for (const key of keys) {
        details.push({
          path: fieldPath(context, issue.instancePath, String(key)),
          message: 'is not a known field (custom fields go in custom_fields)',
        });
      }
    } else {
      details.push({ path: fieldPath(context, issue.instancePath), message: issue.message ?? 'is invalid' });
    }
  }
  return details;
}

const FASTIFY_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

function send(reply: FastifyReply, status: number, payload: ErrorPayload): FastifyReply {
  // The route's own response serializer does not know the error shape: send plain JSON.
  return reply.code(status).type('application/json; charset=utf-8').serializer(JSON.stringify).send(payload);
}

function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function installErrorHandling(
  app: FastifyInstance,
  log: (err: unknown, request: FastifyRequest) => void,
) {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = validationDetails(err.validationContext ?? 'request', err.validation);
      const first = details[0];
      const more = details.length > 1 ? ` (and ${details.length - 1} more, listed in details)` : '';
      return send(
        reply,
        400,
        errorPayload(
          'validation_failed',
          `${first ? `${first.path}: ${first.message}` : 'the request is invalid'}${more}; ` +
            'fix the request and send it again (the schema is at /api/docs)',
          details,
        ),
      );
    }
    if (
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      (err instanceof SyntaxError && err.statusCode === 400)
    ) {
      return send(
        reply,
        400,
        errorPayload(
          'malformed_json',
          `the request body is not valid JSON (${err.message}); send a JSON document with Content-Type: application/json`,
        ),
      );
    }
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return send(
        reply,
        400,
        errorPayload(
          'malformed_json',
          'the request body is empty; send a JSON document with the fields to write',
        ),
      );
    }
    if (err instanceof FieldError) {
      return send(
        reply,
        400,
        errorPayload('validation_failed', `${err.message}; fix the request and send it again`, [
          { path: err.path, message: err.problem },
        ]),
      );
    }
    if (err instanceof RejectedRowsError) {
      return send(reply, 422, errorPayload('rejected_rows', err.message, [...err.rows]));
    }
    if (err instanceof InvalidCursorError)
      return send(reply, 400, errorPayload('invalid_cursor', err.message));
    if (err instanceof ConflictError) return send(reply, 409, errorPayload('conflict', err.message));
    if (err instanceof NotFoundError) return send(reply, 404, errorPayload('not_found', err.message));
    if (err instanceof RateLimitedError) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
      return send(reply, 429, errorPayload('too_many_requests', err.message));
    }
    if (err instanceof ForbiddenError) return send(reply, 403, errorPayload('forbidden', err.message));
    if (err instanceof UserError) {
      const details = Array.isArray(err.details) ? err.details : undefined;
      return send(reply, 422, errorPayload('invalid_request', err.message, details));
    }
    if (pgCode(err) === '22021' || pgCode(err) === '22P05') {
      // PostgreSQL text cannot hold a NUL character (found by test/security/api-fuzz.test.ts)
      return send(
        reply,
        422,
        errorPayload('invalid_request', 'text values must not contain NUL (\\u0000) characters'),
      );
    }
    if (pgCode(err) === '23503') {
      return send(
        reply,
        409,
        errorPayload(
          'conflict',
          'the record is still referenced by other records (messages, tasks, promises…) and cannot be deleted',
        ),
      );
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      const message =
        status === 413
          ? `the request body is larger than this route accepts (${err.message}); send fewer items per request`
          : status === 415
            ? `${err.message}; send JSON with Content-Type: application/json`
            : err.message;
      return send(reply, status, errorPayload(FASTIFY_CODES[status] ?? 'bad_request', message));
    }
    log(err, request);
    return send(
      reply,
      500,
      errorPayload(
        'internal',
        `the server failed to handle ${request.method} ${request.url.split('?')[0]}; the server log has the details ` +
          `(request ${request.id}); try again, and report it if it persists`,
      ),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    send(
      reply,
      404,
      errorPayload(
        'not_found',
        `no route ${request.method} ${request.url.split('?')[0]}; the API reference at /api/docs lists the routes`,
      ),
    ),
  );
}
