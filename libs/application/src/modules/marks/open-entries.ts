import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query, statement } from '../../db/sql.js';
import { utcMillis } from '../../db/timestamps.js';

/** What the OPEN positions of one symbol hold: how many there are, and the earliest `entry_date` among them. */
export interface OpenEntries {
  symbol: string;
  openPositions: number;
  /** The contract's timestamp (UTC, milliseconds, `Z`), which orders as text. */
  earliestEntry: string;
}

const OPEN_ENTRIES = statement(
  `select symbol, count(*) as open_positions, min(entry_date) as earliest_entry
   from positions where status = 'OPEN' and symbol = any(?::text[]) group by symbol`,
);

/**
 * The OPEN positions of each symbol given, across every account (market data is shared): their
 * count and earliest `entry_date`. A symbol without any is left out. One statement on the partial
 * index of OPEN positions by symbol; it reads, locks nothing, and runs outside any transaction of
 * marks.
 */
export async function openEntriesOf(em: EntityManager, symbols: readonly string[]): Promise<OpenEntries[]> {
  if (symbols.length === 0) return [];
  const rows = await query<{ symbol: string; open_positions: string | number; earliest_entry: Date | string }>(em.fork(), OPEN_ENTRIES, [
    pgArray(symbols),
  ]);
  return rows.map((r) => ({ symbol: r.symbol, openPositions: Number(r.open_positions), earliestEntry: utcMillis(r.earliest_entry) }));
}
