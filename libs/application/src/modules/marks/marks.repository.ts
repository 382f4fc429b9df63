import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query } from '../../db/sql.js';
import { POSITION, type PositionRow } from '../positions/position.mapper.js';

// Raw, set-based SQL: a batch marks thousands of positions, one statement for all of them
// (bench/consume.ts measures it against a bare UPDATE of the same batches).

// Each tick looks up its symbol's open positions through the partial index (the lateral
// subquery, fenced by OFFSET 0, is not flattened into a hash join over every open position).
const MATCHES = `
  select x.id, x.campaign_id, x.entry_price, x.open_shares, t.symbol, t.price, t.ts
  from json_to_recordset(?::json) as t(symbol text, price numeric, ts timestamptz)
  cross join lateral (
    select p.id, p.campaign_id, p.entry_price, p.open_shares from positions p
    where p.symbol = t.symbol and p.status = 'OPEN' and p.entry_date <= t.ts
      -- Section 6 of the contract: a mark only moves forward in time and never before the entry.
      and (p.marked_at is null or p.marked_at < t.ts)
    offset 0) x`;
// The P&L of the shares still open (section 8): partial exits have taken the rest.
const PNL = `case when c.side = 'LONG' then (x.price - x.entry_price) * x.open_shares else (x.entry_price - x.price) * x.open_shares end`;

/** The newest tick of each symbol, as the JSON the statements take (`[{symbol, price, ts}]`). */
export type TicksJson = string;

/** Locks the campaigns whose OPEN positions the ticks would mark, in id order (as every writer does). */
export async function lockMarkedCampaigns(em: EntityManager, ticks: TicksJson): Promise<string[]> {
  const rows = await query<{ id: string }>(
    em,
    `select c.id from campaigns c where c.id in (select m.campaign_id from (${MATCHES}) m) order by c.id for update of c`,
    [ticks],
  );
  return rows.map((r) => r.id);
}

/** A position a mark reached, as it is after the statement. */
export type MarkedRow = PositionRow & {
  /** False when the mark's P&L would not fit NUMERIC(18,8): the position kept its last mark. */
  fits: boolean;
  /** The tick that reached it. */
  tick_price: string;
  tick_ts: Date | string;
};

/** The largest magnitude NUMERIC(18,8) holds. */
const MAX_AMOUNT = '9999999999.99999999';

/**
 * Marks the matching OPEN positions of the locked campaigns and returns them as the contract shows
 * them. Re-matched under the locks: a position that a command closed meanwhile is not marked. Each
 * match carries its new P&L, computed once and rounded half-even, and reaches its row by primary
 * key. A P&L that would not fit NUMERIC(18,8) leaves the position as it was and comes back with
 * `fits` false, so that the caller can report it (section 6).
 */
export function updateMarks(em: EntityManager, ticks: TicksJson, campaignIds: readonly string[], now: Date): Promise<MarkedRow[]> {
  return query<MarkedRow>(
    em,
    `update positions p set
       current_price = case when m.fits then m.price else p.current_price end,
       current_pnl = case when m.fits then m.pnl else p.current_pnl end,
       marked_at = case when m.fits then m.ts else p.marked_at end,
       updated_at = case when m.fits then ?::timestamptz else p.updated_at end
     from (
       select x.id, x.price, x.ts, r.pnl, abs(r.pnl) <= ${MAX_AMOUNT} as fits
       from (${MATCHES}) x join campaigns c on c.id = x.campaign_id
       cross join lateral (select round_half_even(${PNL}, 8) as pnl) r
       where x.campaign_id = any(?::uuid[])
       offset 0) m
     where p.id = m.id and p.status = 'OPEN' and (p.marked_at is null or p.marked_at < m.ts)
     returning ${POSITION.columns('p')}, m.fits, m.price::text as tick_price, m.ts as tick_ts`,
    [now, ticks, pgArray(campaignIds)],
  );
}

/** Gives each campaign its next event seq (marks do not change the version). */
export function bumpSeqs(em: EntityManager, campaignIds: readonly string[]): Promise<{ id: string; last_seq: string; version: number }[]> {
  return query<{ id: string; last_seq: string; version: number }>(
    em,
    'update campaigns set last_seq = last_seq + 1 where id = any(?::uuid[]) returning id, last_seq::text, version',
    [pgArray(campaignIds)],
  );
}
