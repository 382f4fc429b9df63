import { describe, expect, it } from 'vitest';
import {
  BadRequestError,
  ConflictError,
  DomainError,
  ERROR_CODES,
  ForbiddenError,
  HeaderTooLargeError,
  InternalError,
  isDomainError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PoisonMessageError,
  RateLimitedError,
  RequestTimeoutError,
  RiskLimitExceededError,
  RouteNotFoundError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
  VersionConflictError,
} from './errors.js';

/** One of each error of the hierarchy. */
const all = (): DomainError[] => [
  new BadRequestError('body is not valid JSON'),
  new MethodNotAllowedError('PUT', ['POST']),
  new RequestTimeoutError(),
  new UnauthenticatedError(),
  new ForbiddenError(),
  new NotFoundError('campaign', 'c'),
  new RouteNotFoundError('GET'),
  new VersionConflictError(1),
  new ConflictError('x'),
  new PayloadTooLargeError(),
  new HeaderTooLargeError(),
  new ValidationError([]),
  new RiskLimitExceededError([]),
  new RateLimitedError(1),
  new PoisonMessageError('x'),
  new UnavailableError('x'),
  new InternalError(),
];

describe('domain errors', () => {
  it('NotFoundError names what is missing', () => {
    const e = new NotFoundError('position', 'p-1');
    expect([e.code, e.message, e.retriable, e.what, e.id]).toEqual(['not_found', 'position p-1 not found', false, 'position', 'p-1']);
    expect(e.details).toBeUndefined();
    expect(e.name).toBe('NotFoundError');
  });

  it('VersionConflictError carries the current version', () => {
    const e = new VersionConflictError(7);
    expect(e.code).toBe('version_conflict');
    expect(e.details).toEqual({ current_version: 7 });
    expect(e.currentVersion).toBe(7);
    expect(e.retriable).toBe(false);
  });

  it('ConflictError keeps its message', () => {
    const e = new ConflictError('campaign is closed');
    expect([e.code, e.message]).toEqual(['conflict', 'campaign is closed']);
  });

  it('ValidationError lists every issue', () => {
    const issues = [
      { path: 'shares', message: 'must be greater than 0' },
      { path: 'stop_loss', message: 'must be below entry_price in a LONG campaign' },
    ];
    const e = new ValidationError(issues);
    expect(e.code).toBe('validation_failed');
    expect(e.details).toEqual(issues);
    expect(e.issues).toEqual(issues);
    expect(e.message).toBe('shares: must be greater than 0; stop_loss: must be below entry_price in a LONG campaign');
    expect(new ValidationError([]).message).toBe('validation failed');
  });

  it('UnavailableError is retriable and keeps its cause', () => {
    const cause = new Error('connection refused');
    const e = new UnavailableError('database unavailable', cause);
    expect([e.code, e.retriable, e.cause]).toEqual(['unavailable', true, cause]);
    expect(new UnavailableError('broker unavailable').cause).toBeUndefined();
  });

  it('UnavailableError may carry details for the answer', () => {
    const e = new UnavailableError('not ready', undefined, { checks: { kafka: 'down' } });
    expect([e.message, e.details, e.cause]).toEqual(['not ready', { checks: { kafka: 'down' } }, undefined]);
  });

  it('MethodNotAllowedError is a bad request that lists the allowed methods', () => {
    const e = new MethodNotAllowedError('DELETE', ['GET', 'HEAD']);
    expect(e).toBeInstanceOf(BadRequestError);
    expect([e.code, e.retriable, e.allow, e.message]).toEqual([
      'bad_request',
      false,
      ['GET', 'HEAD'],
      'DELETE is not allowed here; allowed: GET, HEAD',
    ]);
  });

  it('HeaderTooLargeError is a payload too large: the remedy is the same, sending less', () => {
    const e = new HeaderTooLargeError();
    expect(e).toBeInstanceOf(PayloadTooLargeError);
    expect([e.code, e.retriable]).toEqual(['payload_too_large', false]);
  });

  it('RouteNotFoundError does not repeat the path', () => {
    expect(new RouteNotFoundError('GET').message).toBe('no route answers GET on this path');
    expect(new RouteNotFoundError().code).toBe('not_found');
  });

  it('InternalError keeps its cause but never its text', () => {
    const cause = new Error('relation "positions" does not exist');
    const e = new InternalError(cause);
    expect([e.code, e.message, e.retriable, e.cause]).toEqual(['internal', 'internal error', false, cause]);
  });

  it('RateLimitedError is retriable and says when', () => {
    const e = new RateLimitedError(7);
    expect([e.code, e.retriable, e.retryAfterSeconds]).toEqual(['rate_limited', true, 7]);
  });

  it('RiskLimitExceededError carries every breached limit as details', () => {
    const breaches = [{ limit: 'portfolio_heat' as const, max: '500.00000000', would_be: '612.50000000' }];
    const e = new RiskLimitExceededError(breaches);
    expect([e.code, e.details, e.retriable]).toEqual(['risk_limit_exceeded', breaches, false]);
    expect(e.message).toBe('portfolio_heat would be 612.50000000, above 500.00000000');
  });

  it('PoisonMessageError is never retried: it goes to the dead letters', () => {
    const e = new PoisonMessageError('value is not JSON');
    expect([e.code, e.retriable, e.message]).toEqual(['validation_failed', false, 'value is not JSON']);
  });

  it('only what may succeed unchanged later is retriable', () => {
    const retriable = all()
      .filter((e) => e.retriable)
      .map((e) => e.name);
    expect(retriable.sort()).toEqual(['RateLimitedError', 'RequestTimeoutError', 'UnavailableError']);
  });

  it('every contract code has an error, and every error has a contract code', () => {
    const codes = new Set(all().map((e) => e.code));
    expect([...codes].sort()).toEqual([...ERROR_CODES].sort());
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('isDomainError recognises exactly the hierarchy', () => {
    for (const e of all()) {
      expect(isDomainError(e)).toBe(true);
      expect(e).toBeInstanceOf(DomainError);
      expect(e).toBeInstanceOf(Error);
    }
    expect(isDomainError(new Error('x'))).toBe(false);
    expect(isDomainError({ code: 'conflict', message: 'x' })).toBe(false);
    expect(isDomainError(null)).toBe(false);
  });
});
