import { type MarkResult, openEntriesOf, type TickText } from '@cpt/application';
import { counter, type Logger, type MetricsRegistry } from '@cpt/platform';
import type { EntityManager } from '@mikro-orm/postgresql';

export interface EarlyTicksOptions {
  em: EntityManager;
  log: Logger;
  metrics?: MetricsRegistry | undefined;
  /** The most symbols whose report is remembered (so that each is logged once); past it, all are forgotten. */
  rememberSymbols?: number;
}

/** Checks a committed batch for ticks that marked nothing because they predate every open entry; resolves to how many it found. */
export type EarlyTicksCheck = (ticks: readonly TickText[], result: MarkResult) => Promise<number>;

const REASON =
  'every tick of the symbol in this batch is dated before the entry_date of each of its open positions; a position is marked only ' +
  'by ticks not before its entry_date (contract section 6)';

/**
 * Ticks that mark nothing because they are dated before every OPEN position of their symbol was
 * entered: the 202 of price-ingest says nothing of it, so a tick typed by hand a moment too early
 * (whole seconds against an entry_date with milliseconds) or a replay of old prices would leave
 * P&L at 0 without a word. After a batch that marked fewer positions than it has symbols (so that
 * some symbol may have marked nothing), one indexed read gives the earliest open entry of each of
 * its symbols; every tick of a symbol whose newest tick of the batch is before it is counted in
 * `cpt_mark_ticks_before_entry_total`, and the symbol is logged at `info` once per earliest entry
 * (a stream of stale ticks logs once, a new position that is in the same case logs again). The
 * marks themselves are untouched: this only reads, after the batch committed.
 */
export function earlyTicksCheck(opts: EarlyTicksOptions): EarlyTicksCheck {
  const early =
    opts.metrics &&
    counter(opts.metrics, {
      name: 'cpt_mark_ticks_before_entry_total',
      help: 'Ticks that marked nothing because they are dated before the entry_date of every open position of their symbol.',
    });
  const limit = opts.rememberSymbols ?? 10_000;
  // The earliest entry each symbol was last reported against.
  const reported = new Map<string, string>();
  return async (ticks, result) => {
    const newest = new Map<string, { ts: string; count: number }>();
    for (const t of ticks) {
      const n = newest.get(t.symbol);
      if (!n) newest.set(t.symbol, { ts: t.ts, count: 1 });
      else {
        n.count++;
        if (t.ts > n.ts) n.ts = t.ts;
      }
    }
    if (result.marked >= newest.size) return 0;
    let found = 0;
    for (const open of await openEntriesOf(opts.em, [...newest.keys()])) {
      const batch = newest.get(open.symbol);
      if (!batch || batch.ts >= open.earliestEntry) continue;
      found += batch.count;
      if (reported.get(open.symbol) === open.earliestEntry) continue;
      if (reported.size >= limit) reported.clear();
      reported.set(open.symbol, open.earliestEntry);
      opts.log.info(
        {
          symbol: open.symbol,
          ticks: batch.count,
          newestTickTs: batch.ts,
          earliestEntry: open.earliestEntry,
          openPositions: open.openPositions,
          reason: REASON,
        },
        'ticks marked nothing: dated before every open position of their symbol',
      );
    }
    early?.inc(found);
    return found;
  };
}
