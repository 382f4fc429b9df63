import type { CampaignUpdated, MarkedPositionJson } from '@cpt/contracts';
import { comparePriceText, type Dec, type ExcursionStep, excursionSteps, fmt8 } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { asDate } from '../../db/sql.js';
import { utcMillis } from '../../db/timestamps.js';
import { recordEvents } from '../outbox/outbox.commands.js';
import type { PositionRow } from '../positions/position.mapper.js';
import { markedPositionJson } from '../positions/position.mapper.js';
import { bumpSeqs, lockMarkedCampaigns, type TicksJson, updateMarks } from './marks.repository.js';
import { upsertSymbolMarks } from './symbol-marks.repository.js';

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
  /** Positions whose mark or excursions moved. */
  marked: number;
  /** Positions the mark reached but could not move (section 6): each kept its last mark. */
  skipped: SkippedMark[];
  /** Campaigns affected, each with one `campaign_updated` event now in the outbox. */
  campaigns: number;
  /** Those events. */
  events: CampaignUpdated[];
}

const NOTHING: MarkResult = Object.freeze({ marked: 0, skipped: [], campaigns: 0, events: [] });

/**
 * A tick as the position service decodes it: its price and time as the contract's text (at most 8
 * fractional digits; UTC with milliseconds and `Z`, which orders as text). A batch of thousands of
 * ticks is reduced on that text; only what reaches the statements is converted.
 */
export interface TickText {
  symbol: string;
  price: string;
  ts: string;
  requestId?: string | null;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The batch as the statements take it: per symbol, its newest tick and what its ticks do to excursions. */
function batchJson(ticks: readonly TickText[]): { newest: TickText[]; json: TicksJson } {
  const bySymbol = new Map<string, TickText[]>();
  for (const t of ticks) {
    const list = bySymbol.get(t.symbol);
    if (list) list.push(t);
    else bySymbol.set(t.symbol, [t]);
  }
  const newest: TickText[] = [];
  const rows = [...bySymbol.values()].map((list) => {
    // The newest by ts; of equal ones, the first processed (section 6).
    const mark = list.reduce((n, t) => (t.ts > n.ts ? t : n));
    newest.push(mark);
    const steps = excursionSteps(list, comparePriceText, compareText);
    const first = steps[0] as ExcursionStep<string, string>;
    return {
      symbol: mark.symbol,
      price: mark.price,
      ts: mark.ts,
      first_ts: first.ts,
      hi: first.hi,
      lo: first.lo,
      steps: steps.length > 1 ? steps : null,
    };
  });
  return { newest, json: JSON.stringify(rows) };
}

/**
 * Applies a batch of ticks in one transaction of set-based statements: lock the campaigns whose
 * OPEN positions the batch reaches (in id order, as every writer does), move each symbol's mark to
 * its newest tick, mark the positions it reaches and move the excursions of those its ticks
 * reach (every tick counts for excursions, the newest for the mark), bump each campaign's
 * `last_seq`, and record one event per campaign in the outbox. Replayed, late and duplicate ticks
 * change no mark; excursions are maxima and minima, so replays change nothing either.
 */
export function markPositions(em: EntityManager, marks: Iterable<Mark>, opts: { now?: Date } = {}): Promise<MarkResult> {
  const ticks = [...marks].map((m) => ({ symbol: m.symbol, price: fmt8(m.price), ts: m.ts.toISOString(), requestId: m.requestId ?? null }));
  return markTicks(em, ticks, opts);
}

/** {@link markPositions} of ticks as the position service decodes them (see {@link TickText}). */
export async function markTicks(em: EntityManager, batch: readonly TickText[], opts: { now?: Date } = {}): Promise<MarkResult> {
  const { newest, json: ticks } = batchJson(batch);
  if (newest.length === 0) return NOTHING;
  const requestIdOf = new Map(newest.map((m) => [m.symbol, m.requestId ?? null]));
  return em.fork().transactional(async (tx) => {
    // The batch's clock (`updated_at`, the equity points' time); a test may set it.
    const now = opts.now ?? new Date();
    const locked = await lockMarkedCampaigns(tx, ticks);
    // After the campaigns' locks, as a command that opens a position takes them.
    await upsertSymbolMarks(tx, ticks, now);
    if (locked.length === 0) return NOTHING;
    const reached = await updateMarks(tx, ticks, locked, now);
    const skipped: SkippedMark[] = [];
    const byCampaign = new Map<string, PositionRow[]>();
    let marked = 0;
    for (const { applies, moves, fits, tick_price, tick_ts, ...row } of reached) {
      if (applies && !fits) {
        skipped.push({ positionId: row.id, campaignId: row.campaign_id, symbol: row.symbol, price: tick_price, ts: utcMillis(tick_ts) });
        if (!moves) continue;
      }
      marked++;
      const list = byCampaign.get(row.campaign_id) ?? [];
      list.push(row);
      byCampaign.set(row.campaign_id, list);
    }
    if (marked === 0) return { ...NOTHING, skipped };
    const bumped = await bumpSeqs(tx, [...byCampaign.keys()]);
    // A `marked` update carries, of each position, its id and what the batch changed (section 3):
    // no exits to read, a tenth of the bytes of a whole position to store, publish and parse.
    const changed = new Map<string, MarkedPositionJson[]>();
    for (const [campaignId, rows] of byCampaign) changed.set(campaignId, inEntryOrder(rows).map(markedPositionJson));
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
