import {
  BadRequestError,
  ERROR_CODES,
  HeaderTooLargeError,
  InternalError,
  MethodNotAllowedError,
  NotFoundError,
  RateLimitedError,
  RequestTimeoutError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
  VersionConflictError,
} from '@cpt/domain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorAnswer, STATUS, toDomainError } from './errors.js';

describe('the status of each code', () => {
  it('is the contract table’s', () => {
    expect(STATUS).toEqual({
      bad_request: 400,
      unauthenticated: 401,
      forbidden: 403,
      not_found: 404,
      version_conflict: 409,
      conflict: 409,
      payload_too_large: 413,
      validation_failed: 422,
      risk_limit_exceeded: 422,
      rate_limited: 429,
      unavailable: 503,
      internal: 500,
    });
    expect(Object.keys(STATUS).sort()).toEqual([...ERROR_CODES].sort());
  });

  it.each([
    [new MethodNotAllowedError('PUT', ['GET', 'HEAD']), 405, 'bad_request'],
    [new RequestTimeoutError(), 408, 'bad_request'],
    [new HeaderTooLargeError(), 431, 'payload_too_large'],
  ])('keeps the status HTTP has for a transport error: %s', (e, status, code) => {
    const r = errorAnswer(e);
    expect([r.status, r.body.error.code]).toEqual([status, code]);
  });
});

describe('errorAnswer', () => {
  it('answers code and message, and details only when the error has them', () => {
    expect(errorAnswer(new NotFoundError('campaign', 'c-1'))).toEqual({
      status: 404,
      headers: {},
      body: { error: { code: 'not_found', message: 'campaign c-1 not found' } },
    });
    expect(errorAnswer(new VersionConflictError(4)).body.error.details).toEqual({ current_version: 4 });
    expect(errorAnswer(new UnavailableError('not ready', undefined, { checks: { kafka: 'down' } })).body).toEqual({
      error: { code: 'unavailable', message: 'not ready', details: { checks: { kafka: 'down' } } },
    });
  });

  it('adds the headers a status calls for', () => {
    expect(errorAnswer(new MethodNotAllowedError('DELETE', ['GET', 'HEAD', 'POST'])).headers).toEqual({ allow: 'GET, HEAD, POST' });
    expect(errorAnswer(new UnauthenticatedError()).headers).toEqual({ 'www-authenticate': 'Bearer' });
    expect(errorAnswer(new RateLimitedError(12)).headers).toEqual({ 'retry-after': '12' });
  });

  it('never answers the text of an internal error’s cause', () => {
    const r = errorAnswer(new InternalError(new Error('password authentication failed for user "app"')));
    expect([r.status, r.body]).toEqual([500, { error: { code: 'internal', message: 'internal error' } }]);
  });
});

describe('toDomainError', () => {
  it('keeps an error of the hierarchy as it is', () => {
    const e = new BadRequestError('body is not valid JSON');
    expect(toDomainError(e)).toBe(e);
  });

  it('turns a zod failure into validation_failed naming the fields', () => {
    const r = z.object({ shares: z.string() }).safeParse({ shares: 1 });
    const e = toDomainError(r.error);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).issues.map((i) => i.path)).toEqual(['shares']);
  });

  it.each([
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'bad_request'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'bad_request'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'bad_request'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'bad_request'],
    ['FST_ERR_BAD_URL', 400, 'bad_request'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 'bad_request'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'payload_too_large'],
    ['FST_ERR_SOMETHING_NEW', 413, 'payload_too_large'],
    ['FST_ERR_SOMETHING_NEW', 404, 'not_found'],
    ['FST_ERR_SOMETHING_NEW', 418, 'bad_request'],
    ['FST_ERR_SOMETHING_NEW', 500, 'internal'],
  ])('answers fastify’s %s (%i) as %s, without its message', (code, statusCode, expected) => {
    const err = Object.assign(new Error("'/%ff' is not a valid url component"), { code, statusCode });
    const e = toDomainError(err);
    expect(e.code).toBe(expected);
    expect(e.message).not.toContain('%ff');
  });

  it('answers anything else as internal, keeping it as the cause', () => {
    const err = new TypeError('cannot read properties of undefined');
    const e = toDomainError(err);
    expect([e.code, e.message, e.cause]).toEqual(['internal', 'internal error', err]);
    expect(toDomainError('a string').code).toBe('internal');
    expect(toDomainError(undefined).code).toBe('internal');
  });
});
