/** The contract's stable error codes. */
export type ErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'version_conflict'
  | 'conflict'
  | 'payload_too_large'
  | 'validation_failed'
  | 'unavailable'
  | 'internal';

/** One broken rule: `path` names the request body field, `message` says what is wrong. */
export interface FieldIssue {
  path: string;
  message: string;
}

interface DomainErrorOptions {
  retriable?: boolean;
  details?: unknown;
  cause?: unknown;
}

/** The base of every error with a contract code. */
export abstract class DomainError extends Error {
  /** The contract's error code. */
  abstract readonly code: ErrorCode;
  /** Whether the same request may succeed when retried unchanged. */
  readonly retriable: boolean;
  /** Machine-readable details for the error body, when the code defines any. */
  readonly details?: unknown;

  protected constructor(message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    if (options.details !== undefined) this.details = options.details;
  }
}

/** The campaign or position does not exist. */
export class NotFoundError extends DomainError {
  override readonly code = 'not_found';
  constructor(
    readonly what: 'campaign' | 'position',
    readonly id: string,
  ) {
    super(`${what} ${id} not found`);
  }
}

/** `If-Match` named another version than the campaign's current one. */
export class VersionConflictError extends DomainError {
  override readonly code = 'version_conflict';
  declare readonly details: { current_version: number };
  constructor(readonly currentVersion: number) {
    super(`campaign is at version ${currentVersion}`, {
      details: { current_version: currentVersion },
    });
  }
}

/** The change is impossible in the current state. */
export class ConflictError extends DomainError {
  override readonly code = 'conflict';
  constructor(message: string) {
    super(message);
  }
}

/** The request is well-formed but breaks one or more rules. */
export class ValidationError extends DomainError {
  override readonly code = 'validation_failed';
  declare readonly details: readonly FieldIssue[];
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; ') || 'validation failed', {
      details: issues,
    });
  }
}

/** A dependency (database, broker) cannot be reached; nothing was changed. */
export class UnavailableError extends DomainError {
  override readonly code = 'unavailable';
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: true, cause });
  }
}

/** Whether the value is a {@link DomainError}. */
export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
