import { dec, type PricePoint } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { asDate, query } from '../../db/sql.js';
import type { TicksJson } from './marks.repository.js';

/**
 * The symbol's mark, if it has one. `FOR SHARE` waits for a batch of marks that has moved it and
 * not yet committed, so that a position recorded meanwhile starts from the newer mark.
 */
export async function selectSymbolMark(em: EntityManager, symbol: string): Promise<PricePoint | undefined> {
  const [row] = await query<{ price: string; ts: Date | string }>(
    em,
    'select price::text as price, ts from symbol_marks where symbol = ? for share',
    [symbol],
  );
  return row && { price: dec(row.price), ts: asDate(row.ts) };
}

/**
 * Moves each symbol's mark to the batch's newest tick when that tick is newer (a tick of the same
 * `ts` as the mark was processed later, and does not replace it): replays change nothing.
 */
export async function upsertSymbolMarks(em: EntityManager, ticks: TicksJson, now: Date): Promise<void> {
  await query(
    em,
    `insert into symbol_marks as m (symbol, price, ts, updated_at)
     select t.symbol, t.price, t.ts, ? from json_to_recordset(?::json) as t(symbol text, price numeric, ts timestamptz)
     on conflict (symbol) do update set price = excluded.price, ts = excluded.ts, updated_at = excluded.updated_at
     where m.ts < excluded.ts`,
    [now, ticks],
  );
}
