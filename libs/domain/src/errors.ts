/** The contract's stable error codes, in the order of its error table. */
export const ERROR_CODES = [
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'version_conflict',
  'conflict',
  'payload_too_large',
  'validation_failed',
  'risk_limit_exceeded',
  'rate_limited',
  'unavailable',
  'internal',
] as const;

/** The contract's stable error codes. */
export type ErrorCode = (typeof ERROR_CODES)[number];

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

/**
 * The base of every error that reaches a client or a consumer: HTTP answers, WebSocket error
 * frames and dead letters all take their `code` and `retriable` from here.
 *
 * The message and `details` are written for the client; whatever an adapter said (a driver's
 * text, a stack) travels only as `cause`, which is logged and never answered.
 */
export abstract class DomainError extends Error {
  /** The contract's error code. */
  abstract readonly code: ErrorCode;
  /** Whether the same request (or message) may succeed when retried unchanged. */
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

/** The request cannot be read: not JSON, a wrong content type, a malformed URL or request. */
export class BadRequestError extends DomainError {
  override readonly code = 'bad_request';
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options);
  }
}

/** The path exists, but not with this method; `allow` lists the methods it has. */
export class MethodNotAllowedError extends BadRequestError {
  constructor(
    readonly method: string,
    readonly allow: readonly string[],
  ) {
    super(`${method} is not allowed here; allowed: ${allow.join(', ')}`);
  }
}

/** The client took too long to send its request; sending it again may succeed. */
export class RequestTimeoutError extends BadRequestError {
  constructor() {
    super('the request was not received in time', { retriable: true });
  }
}

/** No key, or a malformed, unknown, expired or revoked one. */
export class UnauthenticatedError extends DomainError {
  override readonly code = 'unauthenticated';
  constructor(message = 'a valid API key is required') {
    super(message);
  }
}

/** A valid key without the scope the endpoint needs. */
export class ForbiddenError extends DomainError {
  override readonly code = 'forbidden';
  constructor(message = 'the key lacks the scope this endpoint needs') {
    super(message);
  }
}

/** The campaign or position does not exist. */
export class NotFoundError extends DomainError {
  override readonly code = 'not_found';
  constructor(
    readonly what: 'campaign' | 'position' | 'account' | 'key',
    readonly id: string,
  ) {
    super(`${what} ${id} not found`);
  }
}

/** No route answers this path, with any method. The path is not repeated: it is the caller's input. */
export class RouteNotFoundError extends DomainError {
  override readonly code = 'not_found';
  constructor(readonly method?: string) {
    super(method === undefined ? 'no route answers this path' : `no route answers ${method} on this path`);
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

/** The request is over a documented size limit: its body, its count of items. */
export class PayloadTooLargeError extends DomainError {
  override readonly code = 'payload_too_large';
  constructor(message = 'request body is too large') {
    super(message);
  }
}

/**
 * The request's header section is over the server's limit. It is the same fault as a body over
 * its limit (the request is too large; sending less is the remedy), so it has the same code,
 * while HTTP keeps its own status for it, 431.
 */
export class HeaderTooLargeError extends PayloadTooLargeError {
  constructor() {
    super('the request header section is too large');
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

/** One risk limit a command would break; amounts as the contract's 8-digit decimal strings. */
export interface RiskLimitBreach {
  limit: 'campaign_risk' | 'portfolio_heat';
  max: string;
  would_be: string;
}

/** The command would break a risk limit of the account; nothing was changed. */
export class RiskLimitExceededError extends DomainError {
  override readonly code = 'risk_limit_exceeded';
  declare readonly details: readonly RiskLimitBreach[];
  constructor(readonly breaches: RiskLimitBreach[]) {
    super(breaches.map((b) => `${b.limit} would be ${b.would_be}, above ${b.max}`).join('; ') || 'a risk limit would be exceeded', {
      details: breaches,
    });
  }
}

/** The key is past its request rate; it may try again after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  override readonly code = 'rate_limited';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many requests; retry after ${retryAfterSeconds} s`, { retriable: true });
  }
}

/**
 * A message that can never be processed (not JSON, not the contract's shape): retrying cannot
 * help, so it goes to the dead-letter topic.
 */
export class PoisonMessageError extends DomainError {
  override readonly code = 'validation_failed';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/** A dependency (database, broker) cannot be reached; nothing was changed. */
export class UnavailableError extends DomainError {
  override readonly code = 'unavailable';
  constructor(message: string, cause?: unknown, details?: unknown) {
    super(message, { retriable: true, cause, details });
  }
}

/** Anything else: a bug. The message is fixed, so that nothing internal reaches a client. */
export class InternalError extends DomainError {
  override readonly code = 'internal';
  constructor(cause?: unknown) {
    super('internal error', { cause });
  }
}

/** Whether the value is a {@link DomainError}. */
export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
