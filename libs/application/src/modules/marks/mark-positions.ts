import type { CampaignUpdated, PositionJson } from '@cpt/contracts';
import { type Dec, fmt8 } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { asDate } from '../../db/sql.js';
import { utcMillis } from '../../db/timestamps.js';
import { recordEvents } from '../outbox/outbox.commands.js';
import type { PositionRow } from '../positions/position.mapper.js';
import { positionsJson } from '../positions/position.repository.js';
import { bumpSeqs, lockMarkedCampaigns, updateMarks } from './marks.repository.js';

/** The price of a symbol at an instant. */
export interface Mark {
  symbol: string;
  price: Dec;
  ts: Date;
  /** The request that brought the tick, carried into the event of each campaign it marks. */
  requestId?: string | null;
}

/** A mark not applied to a position because its P&L would not fit NUMERIC(18,8). */
export interface SkippedMark {
  positionId: string;
  campaignId: string;
  symbol: string;
  price: string;
  ts: string;
}

/** What one call of {@link markPositions} committed. */
export interface MarkResult {
  /** Positions whose mark moved. */
  marked: number;
  /** Positions the mark reached but could not move (section 6): each kept its last mark. */
  skipped: SkippedMark[];
  /** Campaigns affected, each with one `campaign_updated` event now in the outbox. */
  campaigns: number;
  /** Those events. */
  events: CampaignUpdated[];
}

const NOTHING: MarkResult = Object.freeze({ marked: 0, skipped: [], campaigns: 0, events: [] });

/** Keeps the newest mark of each symbol (the last one given wins a tie in time). */
export function newestPerSymbol(marks: Iterable<Mark>): Mark[] {
  const newest = new Map<string, Mark>();
  for (const m of marks) {
    const seen = newest.get(m.symbol);
    if (!seen || seen.ts.getTime() <= m.ts.getTime()) newest.set(m.symbol, m);
  }
  return [...newest.values()];
}

/**
 * Marks every open position of the given symbols to market in one transaction of set-based
 * statements: lock the affected campaigns (in id order, as every writer does), update the
 * positions, bump each campaign's `last_seq`, and record one event per campaign in the outbox.
 * Replayed, late and duplicate marks match no row and change nothing.
 */
export async function markPositions(em: EntityManager, marks: Iterable<Mark>): Promise<MarkResult> {
  const latest = newestPerSymbol(marks);
  if (latest.length === 0) return NOTHING;
  const requestIdOf = new Map(latest.map((m) => [m.symbol, m.requestId ?? null]));
  const ticks = JSON.stringify(latest.map((m) => ({ symbol: m.symbol, price: fmt8(m.price), ts: m.ts.toISOString() })));
  return em.fork().transactional(async (tx) => {
    const now = new Date();
    const locked = await lockMarkedCampaigns(tx, ticks);
    if (locked.length === 0) return NOTHING;
    const reached = await updateMarks(tx, ticks, locked, now);
    const skipped: SkippedMark[] = [];
    const byCampaign = new Map<string, PositionRow[]>();
    let marked = 0;
    for (const { fits, tick_price, tick_ts, ...row } of reached) {
      if (!fits) {
        skipped.push({ positionId: row.id, campaignId: row.campaign_id, symbol: row.symbol, price: tick_price, ts: utcMillis(tick_ts) });
        continue;
      }
      marked++;
      const list = byCampaign.get(row.campaign_id) ?? [];
      list.push(row);
      byCampaign.set(row.campaign_id, list);
    }
    if (marked === 0) return { ...NOTHING, skipped };
    const bumped = await bumpSeqs(tx, [...byCampaign.keys()]);
    // One statement for the exits of every marked position that has any (most have none).
    const ordered = await positionsJson(tx, null, [...byCampaign.values()].flatMap(inEntryOrder));
    const changed = new Map<string, PositionJson[]>();
    for (const p of ordered) {
      const list = changed.get(p.campaign_id);
      if (list) list.push(p);
      else changed.set(p.campaign_id, [p]);
    }
    const events = await recordEvents(
      tx,
      bumped.map((b) => ({
        campaignId: b.id,
        seq: Number(b.last_seq),
        version: b.version,
        reason: 'marked' as const,
        changedPositions: changed.get(b.id) ?? [],
        requestId: requestIdOf.get(byCampaign.get(b.id)?.[0]?.symbol ?? '') ?? null,
      })),
      now,
      null,
    );
    return { marked, skipped, campaigns: bumped.length, events };
  });
}

/** Positions as the contract lists them: by entry date, then id (each date read once, not at every comparison). */
function inEntryOrder(rows: PositionRow[]): PositionRow[] {
  const keyed = rows.map((r) => ({ r, t: asDate(r.entry_date).getTime() }));
  keyed.sort((a, b) => a.t - b.t || (a.r.id < b.r.id ? -1 : a.r.id > b.r.id ? 1 : 0));
  return keyed.map((k) => k.r);
}
