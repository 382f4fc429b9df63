import { fieldIssues, MAX_TICKS_PER_REQUEST, type TickEnvelope, tickInput } from '@cpt/contracts';
import { type FieldIssue, fmt8, ValidationError } from '@cpt/domain';

/** Raised when a request carries more ticks than one request may. */
export class TooManyTicksError extends Error {
  readonly code = 'payload_too_large';
  constructor(count: number) {
    super(`a request may carry at most ${MAX_TICKS_PER_REQUEST} ticks; this one has ${count}`);
  }
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
  for (let i = 0; i < items.length; i++) {
    const r = tickInput.safeParse(items[i]);
    if (!r.success) {
      // Enough faults to fix a feed, without an answer as large as the request.
      if (issues.length < 1000) issues.push(...fieldIssues(r.error, many ? [i] : []));
      continue;
    }
    const t = r.data;
    out.push({ v: 1, symbol: t.symbol, price: fmt8(t.price), ts: t.ts.toISOString(), source: t.source, ingested_at: ingested });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}
