import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  DomainError,
  isDomainError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  VersionConflictError,
} from './errors.js';

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

  it('isDomainError recognises exactly the hierarchy', () => {
    const all: unknown[] = [
      new NotFoundError('campaign', 'c'),
      new VersionConflictError(1),
      new ConflictError('x'),
      new ValidationError([]),
      new UnavailableError('x'),
    ];
    for (const e of all) {
      expect(isDomainError(e)).toBe(true);
      expect(e).toBeInstanceOf(DomainError);
      expect(e).toBeInstanceOf(Error);
    }
    expect(isDomainError(new Error('x'))).toBe(false);
    expect(isDomainError({ code: 'conflict', message: 'x' })).toBe(false);
    expect(isDomainError(null)).toBe(false);
  });
});
