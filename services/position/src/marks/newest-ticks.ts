import type { TickEnvelope } from '@cpt/contracts';
import type { Decoded } from '@cpt/messaging';

/**
 * The newest tick of each symbol (the later one wins a tie), as `markPositions` keeps them, picked
 * before any price or time is converted: a batch holds thousands of ticks of a few hundred
 * symbols. The contract's timestamps (UTC, milliseconds, `Z`) order as text.
 */
export function newestTicks(items: readonly Decoded<TickEnvelope>[]): Decoded<TickEnvelope>[] {
  const newest = new Map<string, Decoded<TickEnvelope>>();
  for (const i of items) {
    const seen = newest.get(i.value.symbol);
    if (!seen || seen.value.ts <= i.value.ts) newest.set(i.value.symbol, i);
  }
  return [...newest.values()];
}
