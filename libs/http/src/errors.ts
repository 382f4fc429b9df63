import { type ErrorBody, fieldIssues } from '@cpt/contracts';
import { type DomainError, type ErrorCode, isDomainError, ValidationError } from '@cpt/domain';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';

/** A body that is not JSON, or not the expected content type. */
export class BadRequestError extends Error {
  readonly code = 'bad_request';
}

export const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  not_found: 404,
  version_conflict: 409,
  conflict: 409,
  payload_too_large: 413,
  validation_failed: 422,
  unavailable: 503,
  internal: 500,
};

/** Sends the contract's error body. */
export function sendError(reply: FastifyReply, code: ErrorCode, message: string, details?: unknown): FastifyReply {
  const body: ErrorBody = { error: details === undefined ? { code, message } : { code, message, details } };
  return reply.code(STATUS[code]).type('application/json; charset=utf-8').send(body);
}

function fromFastify(err: FastifyError): { code: ErrorCode; message: string } | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'bad_request', message: 'unsupported content type: send application/json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'bad_request', message: 'the body does not match its Content-Length' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'bad_request', message: 'body is not valid JSON' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', message: 'request body is too large' };
    default:
      if (err.statusCode === 413) return { code: 'payload_too_large', message: 'request body is too large' };
      if (err.statusCode === 404) return { code: 'not_found', message: 'not found' };
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return { code: 'bad_request', message: err.message };
      return undefined;
  }
}

/**
 * One error handler: every failure becomes the contract's JSON, and 5xx messages reveal nothing
 * internal. `classify` turns adapter errors (a database outage, say) into domain errors first.
 */
export function registerErrorHandling(app: FastifyInstance, classify: (err: unknown) => unknown = (e) => e): void {
  app.setErrorHandler((raw: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const err = classify(raw);
    if (err instanceof ZodError) return sendError(reply, 'validation_failed', 'request is not valid', fieldIssues(err));
    if (isDomainError(err)) {
      const e = err as DomainError;
      if (e.code === 'unavailable') req.log.warn({ err: raw }, 'dependency unavailable');
      const message = e.code === 'unavailable' ? 'a dependency is unavailable; nothing was changed' : e.message;
      return sendError(reply, e.code, message, e instanceof ValidationError || e.code === 'version_conflict' ? e.details : undefined);
    }
    if (err instanceof BadRequestError) return sendError(reply, 'bad_request', err.message);
    const mapped = fromFastify(err as FastifyError);
    if (mapped) return sendError(reply, mapped.code, mapped.message);
    req.log.error({ err: raw }, 'request failed');
    return sendError(reply, 'internal', 'internal error');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 'not_found', `no route for ${req.method} ${req.url.split('?')[0]}`));
}
