import { fieldIssues, formatPath, MAX_TICKS_PER_REQUEST, NumberText, safeParseInput, type TickEnvelope, tickInput } from '@cpt/contracts';
import { type FieldIssue, fmt8, PayloadTooLargeError, ValidationError } from '@cpt/domain';
import { fastTick } from './fast-tick.js';

/** Raised when a request carries more ticks than one request may: the contract's 413. */
export class TooManyTicksError extends PayloadTooLargeError {
  constructor(count: number) {
    super(`a request may carry at most ${MAX_TICKS_PER_REQUEST} ticks; this one has ${count}`);
  }
}

const MAX_ISSUES = 1000;

/** How far ahead of the server's clock a tick may be dated. */
const MAX_FUTURE_MS = 60_000;

// A JSON number arrives as NumberText, which the object schema would take for an object with no fields.
const isTickShaped = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof NumberText);

/** One tick through the schema: the `market.ticks` value, or the faults by field. */
function viaSchema(item: unknown, ingested: string, at: PropertyKey[]): TickEnvelope | FieldIssue[] {
  if (!isTickShaped(item)) return [{ path: formatPath(at), message: 'must be a tick object' }];
  const r = safeParseInput(tickInput, item);
  if (!r.success) return fieldIssues(r.error, at);
  const t = r.data;
  return { v: 1, symbol: t.symbol, price: fmt8(t.price), ts: t.ts.toISOString(), source: t.source, ingested_at: ingested };
}

/**
 * Validates a whole request — one tick or an array — and returns the `market.ticks` values.
 * All or nothing: one invalid tick rejects the request with every fault, by index and field.
 */
export function ticksFromBody(body: unknown, ingestedAt: Date): TickEnvelope[] {
  const many = Array.isArray(body);
  const items: unknown[] = many ? body : [body];
  if (items.length > MAX_TICKS_PER_REQUEST) throw new TooManyTicksError(items.length);
  if (items.length === 0) throw new ValidationError([{ path: '', message: 'at least one tick is required' }]);
  const issues: FieldIssue[] = [];
  const out: TickEnvelope[] = [];
  const ingested = ingestedAt.toISOString();
  // One tick dated in the future would become its symbol's mark, and marks never move backwards:
  // every real tick until then would be ignored (section 4).
  const latest = ingestedAt.getTime() + MAX_FUTURE_MS;
  for (let i = 0; i < items.length; i++) {
    const r = fastTick(items[i], ingested) ?? viaSchema(items[i], ingested, many ? [i] : []);
    if (Array.isArray(r)) issues.push(...r);
    else if (Date.parse(r.ts) > latest)
      issues.push({ path: formatPath(many ? [i, 'ts'] : ['ts']), message: 'must not be more than 60 s in the future' });
    else out.push(r);
    // Enough faults to fix a feed, without an answer as large as the request or the time to find them all.
    if (issues.length >= MAX_ISSUES) break;
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}
