import { dec, type PricePoint } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { asDate, pgArray, query, statement } from '../../db/sql.js';
import { utcMillis } from '../../db/timestamps.js';
import { MARK_JOIN } from '../positions/position.mapper.js';

/**
 * The mark of the campaign's symbol, if it has one, share-locked: taken by a command that opens a
 * position, before the campaign's lock (the order of a batch of marks: symbols, then campaigns).
 * `FOR SHARE` waits for a batch that has moved the mark and not yet committed, so that the new
 * position, and the event that announces it, start from the newer mark; a batch that comes later
 * sees the position and announces its mark. Another account's campaign has no mark here.
 */
export async function shareCampaignSymbolMark(em: EntityManager, accountId: string, campaignId: string): Promise<PricePoint | undefined> {
  const [row] = await query<{ price: string; ts: Date | string }>(
    em,
    `select m.price::text as price, m.ts from campaigns c join symbol_marks m on m.symbol = c.symbol
     where c.id = ? and c.account_id = ? for share of m`,
    [campaignId, accountId],
  );
  return row && { price: dec(row.price), ts: asDate(row.ts) };
}

/** A symbol's mark before a batch moves it: its price and instant as the contract's text. */
export interface SymbolMarkText {
  price: string;
  ts: string;
  /** When a batch moved it there. */
  updatedAt: string;
}

const LOCK_SYMBOL_MARKS = statement(
  'select symbol, price::text as price, ts, updated_at from symbol_marks where symbol = any(?::text[]) order by symbol for update',
);

/**
 * Locks the marks of the batch's symbols (in symbol order, the first lock a batch takes) and
 * returns them as they are before the batch: what each position carried until now.
 */
export async function lockSymbolMarks(em: EntityManager, symbols: readonly string[]): Promise<Map<string, SymbolMarkText>> {
  const rows = await query<{ symbol: string; price: string; ts: Date | string; updated_at: Date | string }>(em, LOCK_SYMBOL_MARKS, [
    pgArray(symbols),
  ]);
  return new Map(rows.map((r) => [r.symbol, { price: r.price, ts: utcMillis(r.ts), updatedAt: utcMillis(r.updated_at) }]));
}

const UPSERT_SYMBOL_MARKS = statement(
  `insert into symbol_marks as m (symbol, price, ts, updated_at)
   select t.symbol, t.price, t.ts, ? from json_to_recordset(?::json) as t(symbol text, price numeric, ts timestamptz)
   on conflict (symbol) do update set price = excluded.price, ts = excluded.ts, updated_at = excluded.updated_at
   where m.ts < excluded.ts`,
);

/**
 * Moves each symbol's mark to the batch's newest tick when that tick is newer (a tick of the same
 * `ts` as the mark was processed later, and does not replace it): replays change nothing.
 */
export async function upsertSymbolMarks(
  em: EntityManager,
  newest: readonly { symbol: string; price: string; ts: string }[],
  now: Date,
): Promise<void> {
  await query(em, UPSERT_SYMBOL_MARKS, [now, JSON.stringify(newest.map((t) => ({ symbol: t.symbol, price: t.price, ts: t.ts })))]);
}

/**
 * Writes into the row of an OPEN position the mark it carries (section 6), which reads otherwise
 * derive from its symbol's mark: a command that changes the position (an exit, a stop moved)
 * starts from the figures it shows. Called under its campaign's lock; what a read shows does not
 * change. A row that already holds its mark is not written; another account's position is not touched.
 */
export async function settleMark(em: EntityManager, accountId: string, positionId: string): Promise<void> {
  await query(
    em,
    `update positions p set current_price = s.price, current_pnl = s.pnl, marked_at = s.ts, updated_at = s.updated_at
     from (select q.id, q_mark.price, q_mark.pnl, q_mark.ts, greatest(q.updated_at, q_mark.updated_at) as updated_at
           from positions q ${MARK_JOIN('q', 'join')}
           where q.id = ? and q.account_id = ? and q.status = 'OPEN') s
     where p.id = s.id and (p.marked_at is distinct from s.ts or p.current_price <> s.price or p.current_pnl <> s.pnl)`,
    [positionId, accountId],
  );
}
