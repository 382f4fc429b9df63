import type { CampaignUpdated } from '@cpt/contracts';
import { type Dec, fmt8 } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvents } from './events.js';
import { pgArray, query } from './sql.js';

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
  /** One `campaign_updated` event per affected campaign, already in the outbox. */
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

const TICKS = `json_to_recordset(?::json) as t(symbol text, price numeric, ts timestamptz)`;
// Section 6 of the contract: a mark only moves forward in time and never before the entry.
const MARKABLE = `p.symbol = t.symbol and p.status = 'OPEN' and p.entry_date <= t.ts
  and (p.marked_at is null or p.marked_at < t.ts)`;
const PNL = `case when c.side = 'LONG' then (t.price - p.entry_price) * p.shares else (p.entry_price - t.price) * p.shares end`;

/**
 * Marks every open position of the given symbols to market in one transaction of set-based
 * statements: lock the affected campaigns (in id order, as every writer does), update the
 * positions, bump each campaign's `last_seq`, and record one event per campaign in the outbox.
 * Replayed, late and duplicate marks match no row and change nothing.
 */
export async function markPositions(em: EntityManager, marks: Iterable<Mark>): Promise<MarkResult> {
  const latest = newestPerSymbol(marks);
  const requestIdOf = new Map(latest.map((m) => [m.symbol, m.requestId ?? null]));
  if (latest.length === 0) return { marked: 0, events: [] };
  const ticks = JSON.stringify(latest.map((m) => ({ symbol: m.symbol, price: fmt8(m.price), ts: m.ts.toISOString() })));
  return em.fork().transactional(async (tx) => {
    const now = new Date();
    const candidates = await query<{ id: string }>(
      tx,
      `select c.id from campaigns c where c.id in (
         select distinct p.campaign_id from positions p join ${TICKS} on true where ${MARKABLE})
       order by c.id for update of c`,
      [ticks],
    );
    if (candidates.length === 0) return { marked: 0, events: [] };
    const locked = pgArray(candidates.map((c) => c.id));
    const updated = await query<{ id: string; campaign_id: string; symbol: string }>(
      tx,
      `update positions p set current_price = t.price, current_pnl = round_half_even(${PNL}, 8),
         marked_at = t.ts, updated_at = ?
       from ${TICKS}, campaigns c
       where c.id = p.campaign_id and p.campaign_id = any(?::uuid[]) and ${MARKABLE}
         and abs(${PNL}) <= 9999999999.99999999
       returning p.id, p.campaign_id, p.symbol`,
      [now, ticks, locked],
    );
    if (updated.length === 0) return { marked: 0, events: [] };
    const byCampaign = new Map<string, string[]>();
    const symbolOf = new Map<string, string>();
    for (const u of updated) {
      const list = byCampaign.get(u.campaign_id) ?? [];
      list.push(u.id);
      byCampaign.set(u.campaign_id, list);
      symbolOf.set(u.campaign_id, u.symbol);
    }
    const bumped = await query<{ id: string; last_seq: string; version: number }>(
      tx,
      `update campaigns set last_seq = last_seq + 1 where id = any(?::uuid[]) returning id, last_seq::text, version`,
      [pgArray([...byCampaign.keys()])],
    );
    const events = await recordEvents(
      tx,
      bumped.map((b) => ({
        campaignId: b.id,
        seq: Number(b.last_seq),
        version: b.version,
        reason: 'marked' as const,
        changedPositionIds: byCampaign.get(b.id) ?? [],
        requestId: requestIdOf.get(symbolOf.get(b.id) ?? '') ?? null,
      })),
      now,
    );
    return { marked: updated.length, events };
  });
}
