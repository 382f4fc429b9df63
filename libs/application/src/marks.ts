import type { CampaignUpdated } from '@cpt/contracts';
import { type Dec, fmt8 } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvents } from './events.js';
import { POSITION_COLUMNS, type PositionRow } from './rows.js';
import { asDate, pgArray, query } from './sql.js';

/** The price of a symbol at an instant. */
export interface Mark {
  symbol: string;
  price: Dec;
  ts: Date;
  /** The request that brought the tick, carried into the event of each campaign it marks. */
  requestId?: string | null;
}

/** What one call of {@link markPositions} committed. */
export interface MarkResult {
  /** Positions whose mark moved. */
  marked: number;
  /** Campaigns affected, each with one `campaign_updated` event now in the outbox. */
  campaigns: number;
  /** Those events. */
  events: CampaignUpdated[];
}

/** Keeps the newest mark of each symbol (the last one given wins a tie in time). */
export function newestPerSymbol(marks: Iterable<Mark>): Mark[] {
  const newest = new Map<string, Mark>();
  for (const m of marks) {
    const seen = newest.get(m.symbol);
    if (!seen || seen.ts.getTime() <= m.ts.getTime()) newest.set(m.symbol, m);
  }
  return [...newest.values()];
}

// Each tick looks up its symbol's open positions through the partial index (the lateral
// subquery, fenced by OFFSET 0, is not flattened into a hash join over every open position).
const MATCHES = `
  select x.id, x.campaign_id, x.entry_price, x.shares, t.symbol, t.price, t.ts
  from json_to_recordset(?::json) as t(symbol text, price numeric, ts timestamptz)
  cross join lateral (
    select p.id, p.campaign_id, p.entry_price, p.shares from positions p
    where p.symbol = t.symbol and p.status = 'OPEN' and p.entry_date <= t.ts
      -- Section 6 of the contract: a mark only moves forward in time and never before the entry.
      and (p.marked_at is null or p.marked_at < t.ts)
    offset 0) x`;
const PNL = `case when c.side = 'LONG' then (x.price - x.entry_price) * x.shares else (x.entry_price - x.price) * x.shares end`;

/**
 * Marks every open position of the given symbols to market in one transaction of set-based
 * statements: lock the affected campaigns (in id order, as every writer does), update the
 * positions, bump each campaign's `last_seq`, and record one event per campaign in the outbox.
 * Replayed, late and duplicate marks match no row and change nothing.
 */
export async function markPositions(em: EntityManager, marks: Iterable<Mark>): Promise<MarkResult> {
  const latest = newestPerSymbol(marks);
  const requestIdOf = new Map(latest.map((m) => [m.symbol, m.requestId ?? null]));
  if (latest.length === 0) return { marked: 0, campaigns: 0, events: [] };
  const ticks = JSON.stringify(latest.map((m) => ({ symbol: m.symbol, price: fmt8(m.price), ts: m.ts.toISOString() })));
  return em.fork().transactional(async (tx) => {
    const now = new Date();
    const candidates = await query<{ id: string }>(
      tx,
      `select c.id from campaigns c where c.id in (select m.campaign_id from (${MATCHES}) m) order by c.id for update of c`,
      [ticks],
    );
    if (candidates.length === 0) return { marked: 0, campaigns: 0, events: [] };
    // Re-matched under the locks: a position that a command closed meanwhile is not marked. Each
    // match carries its new P&L, computed once, and reaches its row by primary key.
    const updated = await query<PositionRow>(
      tx,
      `update positions p set current_price = m.price, current_pnl = m.pnl, marked_at = m.ts, updated_at = ?
       from (
         select x.id, x.price, x.ts, round_half_even(${PNL}, 8) as pnl
         from (${MATCHES}) x join campaigns c on c.id = x.campaign_id
         where x.campaign_id = any(?::uuid[])
         offset 0) m
       where p.id = m.id and p.status = 'OPEN' and (p.marked_at is null or p.marked_at < m.ts)
         and abs(m.pnl) <= 9999999999.99999999
       returning ${POSITION_COLUMNS}`,
      [now, ticks, pgArray(candidates.map((c) => c.id))],
    );
    if (updated.length === 0) return { marked: 0, campaigns: 0, events: [] };
    const byCampaign = new Map<string, PositionRow[]>();
    for (const u of updated) {
      const list = byCampaign.get(u.campaign_id) ?? [];
      list.push(u);
      byCampaign.set(u.campaign_id, list);
    }
    const bumped = await query<{ id: string; last_seq: string; version: number }>(
      tx,
      'update campaigns set last_seq = last_seq + 1 where id = any(?::uuid[]) returning id, last_seq::text, version',
      [pgArray([...byCampaign.keys()])],
    );
    const events = await recordEvents(
      tx,
      bumped.map((b) => ({
        campaignId: b.id,
        seq: Number(b.last_seq),
        version: b.version,
        reason: 'marked' as const,
        changedPositions: inEntryOrder(byCampaign.get(b.id) ?? []),
        requestId: requestIdOf.get(byCampaign.get(b.id)?.[0]?.symbol ?? '') ?? null,
      })),
      now,
    );
    return { marked: updated.length, campaigns: bumped.length, events };
  });
}

/** Positions as the contract lists them: by entry date, then id (each date read once, not at every comparison). */
function inEntryOrder(rows: PositionRow[]): PositionRow[] {
  const keyed = rows.map((r) => ({ r, t: asDate(r.entry_date).getTime() }));
  keyed.sort((a, b) => a.t - b.t || (a.r.id < b.r.id ? -1 : a.r.id > b.r.id ? 1 : 0));
  return keyed.map((k) => k.r);
}
