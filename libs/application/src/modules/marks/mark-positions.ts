import { randomUUID } from 'node:crypto';
import type { CampaignUpdated, ChangedPositionJson, MarkedPositionJson } from '@cpt/contracts';
import {
  type CampaignTotals,
  comparePriceText,
  crossingsOf,
  type Dec,
  dec,
  divText8,
  type ExcursionStep,
  excursionSteps,
  firstAtEachInstant,
  fmt8,
  fromUnits,
  MAX_AMOUNT_UNITS,
  markPnlUnits,
  totalsFromSums,
  toUnits,
} from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { utcMillis } from '../../db/timestamps.js';
import { insertJournalEntry } from '../journal/journal.repository.js';
import { recordEvents } from '../outbox/outbox.commands.js';
import type { DirectPublishing, PendingEvent } from '../outbox/outbox.repository.js';
import type { PositionRow } from '../positions/position.mapper.js';
import { positionsJson, selectPositionRows } from '../positions/position.repository.js';
import { loadMarkFreeSums, type MarkFreeSums } from '../totals/totals.repository.js';
import {
  bumpSeqs,
  type InstantsJson,
  keepMarks,
  lockCampaignsOfSymbols,
  type MarkedFlags,
  type MarkedRow,
  selectOpenMarkRows,
  type TicksJson,
  updateMarks,
} from './marks.repository.js';
import { byEntryDate, type OpenBook, type OpenCampaign, type OpenPosition, openPosition } from './open-book.js';
import { applyStopExits, type RefusedStopExit, type StopExit } from './stop-exits.js';
import { lockSymbolMarks, type SymbolMarkText, upsertSymbolMarks } from './symbol-marks.repository.js';

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
  /** Positions whose mark, excursions or stop breach moved, or that a stop exited. */
  marked: number;
  /** Positions the mark reached but could not move (section 6): each kept its last mark. */
  skipped: SkippedMark[];
  /** Campaigns affected, each with one `campaign_updated` event now in the outbox. */
  campaigns: number;
  /** Those events. */
  events: CampaignUpdated[];
  /** Positions whose stop the batch breached (section 8), those it exited included. */
  breached: number;
  /** The automatic exits at stops (section 8), in the order of their ticks. */
  stopExits: StopExit[];
  /** Breaches whose automatic exit the rules refused: those positions are breached, not exited. */
  refusedStopExits: RefusedStopExit[];
  /**
   * Positions for which the batch's ticks were read one by one: a breach the crossings could not
   * tell, or an exit's excursions. Every other position costs the same whatever the batch's size.
   */
  perTick: number;
  /**
   * The events, of those, that the caller publishes itself right after the commit (the
   * `direct` option); the relay publishes the others, and these too if the caller cannot.
   */
  publishNow: PendingEvent[];
}

/**
 * How a batch is applied: its clock (a test may set it), who publishes its events, and the
 * campaigns kept from the batches before (the process's {@link OpenBook}: read from it when still
 * current, stored in it once the batch commits).
 */
export interface MarkOptions {
  now?: Date;
  direct?: DirectPublishing;
  book?: OpenBook;
}

const NOTHING: MarkResult = Object.freeze({
  marked: 0,
  skipped: [],
  campaigns: 0,
  events: [],
  breached: 0,
  stopExits: [],
  refusedStopExits: [],
  perTick: 0,
  publishNow: [],
});

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

/** The batch as the statements take it: per symbol, its newest tick and what its ticks do to excursions and stops. */
function batchJson(ticks: readonly TickText[]): {
  newest: TickText[];
  rows: { symbol: string; old_ts?: string | null }[];
  instants: InstantsJson;
  bySymbol: Map<string, TickText[]>;
} {
  const bySymbol = new Map<string, TickText[]>();
  for (const t of ticks) {
    const list = bySymbol.get(t.symbol);
    if (list) list.push(t);
    else bySymbol.set(t.symbol, [t]);
  }
  const newest: TickText[] = [];
  // Every tick that may be a mark, for the rare breach its symbol's crossings cannot tell. Written
  // out by hand: prices and instants are the contract's text, the symbol is quoted once.
  const instants: string[] = [];
  const rows = [...bySymbol.values()].map((list) => {
    const once = firstAtEachInstant(list, compareText);
    // The newest by ts; of equal ones, the first processed (section 6).
    const mark = once[once.length - 1] as TickText;
    newest.push(mark);
    const symbol = JSON.stringify(mark.symbol);
    for (const t of once) instants.push(`{"symbol":${symbol},"ts":"${t.ts}","price":"${t.price}"}`);
    const steps = excursionSteps(list, comparePriceText, compareText);
    const first = steps[0] as ExcursionStep<string, string>;
    return {
      symbol: mark.symbol,
      ts: mark.ts,
      first_ts: first.ts,
      hi: first.hi,
      lo: first.lo,
      steps: steps.length > 1 ? steps : null,
      crossings: crossingsOf(once, comparePriceText).map((t) => ({ ts: t.ts, price: t.price })),
    };
  });
  return { newest, rows, instants: `[${instants.join(',')}]`, bySymbol };
}

/**
 * Applies a batch of ticks in one transaction of set-based statements: lock the marks of its
 * symbols and move each to its newest tick (section 6: one row a symbol; the positions a mark
 * reaches are not written, reads derive their `current_price`, `current_pnl` and `marked_at`), lock
 * the campaigns whose OPEN positions the batch reaches (in id order, as every writer does), move
 * the excursions of the positions its ticks reach (every tick counts for excursions, the newest
 * for the mark), record the first tick at or through each stop (section 8) and exit at it the
 * positions of campaigns that exit at stops, bump each campaign's `last_seq` (and its version by
 * its exits), and record one event per campaign in the outbox. Replayed, late and duplicate ticks
 * change no mark and breach no stop; excursions are maxima and minima, so replays change nothing
 * either.
 *
 * A campaign the batch only marked gets a `marked` event of compact positions; one in which a stop
 * exited a position gets a `position_closed` event of whole positions (every one the batch
 * changed), its version raised by one per exit and each exit journaled (`stop_exit`) at its
 * version: one event per campaign and batch either way, each with its next seq.
 */
export function markPositions(em: EntityManager, marks: Iterable<Mark>, opts: MarkOptions = {}): Promise<MarkResult> {
  const ticks = [...marks].map((m) => ({ symbol: m.symbol, price: fmt8(m.price), ts: m.ts.toISOString(), requestId: m.requestId ?? null }));
  return markTicks(em, ticks, opts);
}

/** {@link markPositions} of ticks as the position service decodes them (see {@link TickText}). */
export async function markTicks(em: EntityManager, batch: readonly TickText[], opts: MarkOptions = {}): Promise<MarkResult> {
  const { newest, rows, instants, bySymbol } = batchJson(batch);
  if (newest.length === 0) return NOTHING;
  const requestIdOf = new Map(newest.map((m) => [m.symbol, m.requestId ?? null]));
  const book = opts.book;
  const committed = await em.fork().transactional(async (tx) => {
    // The batch's clock (`updated_at`, the equity points' time); a test may set it.
    const now = opts.now ?? new Date();
    // Symbols first, then campaigns: a command that opens a position share-locks its symbol's mark
    // before its campaign, and the others read marks without a lock.
    const before = await lockSymbolMarks(
      tx,
      newest.map((t) => t.symbol),
    );
    for (const r of rows) r.old_ts = before.get(r.symbol)?.ts ?? null;
    const ticks: TicksJson = JSON.stringify(rows);
    await upsertSymbolMarks(tx, newest, now);
    // Each symbol's mark after the batch, and whether the batch moved it.
    const marks = new Map<string, SymbolMarkNow>();
    for (const t of newest) {
      const old = before.get(t.symbol);
      if (!old || old.ts < t.ts) {
        marks.set(t.symbol, {
          price: t.price,
          priceUnits: toUnits(t.price),
          ts: t.ts,
          updatedAt: now.toISOString(),
          moved: true,
          before: old,
        });
      } else marks.set(t.symbol, { ...old, priceUnits: toUnits(old.price), moved: false, before: old });
    }
    const lockedRows = await lockCampaignsOfSymbols(tx, newest);
    if (lockedRows.length === 0) return { result: NOTHING, keep: [] };
    const locked = lockedRows.map((c) => c.id);
    const sides = new Map(lockedRows.map((c) => [c.id, c.long]));
    const written = await updateMarks(tx, ticks, instants, lockedRows, now);
    const flagsOf = new Map(written.map((r) => [r.id, r]));
    let breached = 0;
    let perTick = 0;
    const heldFlags = new Map<string, MarkedFlags>();
    for (const r of written) {
      if (r.breach_ts !== null) breached++;
      if (r.from_ticks) perTick++;
      if (r.held) heldFlags.set(r.id, r);
    }
    // Section 8: the positions breached in campaigns that exit at stops, exited at their ticks.
    let exits: StopExit[] = [];
    let refused: RefusedStopExit[] = [];
    if (heldFlags.size > 0) {
      perTick += heldFlags.size;
      const held = (await selectPositionRows(tx, [...heldFlags.keys()])).map(
        (row): MarkedRow => ({ ...row, ...omitKeys(heldFlags.get(row.id) as MarkedFlags) }),
      );
      ({ exits, refused } = await applyStopExits(tx, held, (s) => bySymbol.get(s) ?? [], now));
    }
    // Every OPEN position of the locked campaigns, as the batch left its row: the mark each now
    // carries, the campaigns' totals and the compact positions of `marked` events follow from it.
    // A campaign the book holds at its seq is not read again: the rows the batch wrote take the
    // columns it wrote. One whose held positions the batch exited or breached is read again.
    const heldCampaigns = new Set([...heldFlags.values()].map((f) => f.campaign_id));
    const openOf = new Map<string, OpenCampaign>();
    const unread: string[] = [];
    for (const c of lockedRows) {
      const kept = heldCampaigns.has(c.id) ? undefined : book?.get(c.id, c.seq);
      if (kept) openOf.set(c.id, withWritten(kept, flagsOf));
      else unread.push(c.id);
    }
    if (unread.length > 0) for (const [id, campaign] of await readOpenCampaigns(tx, unread)) openOf.set(id, campaign);
    const skipped: SkippedMark[] = [];
    const kept: { id: string; price: string; pnl: string; ts: string; updated_at: string }[] = [];
    const keptCampaigns = new Set<string>();
    const byCampaign = new Map<string, { changed: MarkedPosition[]; open: MarkedPosition[] }>();
    for (const id of locked) {
      const long = sides.get(id) === true;
      const entry: { changed: MarkedPosition[]; open: MarkedPosition[] } = { changed: [], open: [] };
      byCampaign.set(id, entry);
      for (const o of openOf.get(id)?.positions ?? []) {
        const row = o.row;
        const mark = marks.get(row.symbol);
        let p = markedPosition(o, long, mark);
        if (mark?.moved && p.overflow) {
          skipped.push({ positionId: row.id, campaignId: id, symbol: row.symbol, price: mark.price, ts: mark.ts });
          // It keeps the mark it carried: its symbol's before the batch, when that one reached it,
          // written into its row (reads no longer reach it with the symbol's).
          const before = mark.before;
          const carried = before && markedPosition(o, long, { ...before, priceUnits: toUnits(before.price), moved: false });
          if (before && carried?.reached) {
            kept.push({ id: row.id, price: carried.price, pnl: carried.pnl, ts: before.ts, updated_at: carried.updatedAt });
            keptCampaigns.add(id);
            p = { ...carried, reached: false, overflow: true };
          }
        }
        entry.open.push(p);
        const flags = flagsOf.get(row.id);
        if ((mark?.moved && p.reached) || flags?.moves || flags?.breach_ts != null || heldFlags.has(row.id)) entry.changed.push(p);
      }
    }
    await keepMarks(tx, kept);
    const exitsOf = new Map<string, StopExit[]>();
    for (const e of exits) exitsOf.set(e.campaignId, [...(exitsOf.get(e.campaignId) ?? []), e]);
    // What the book keeps once the batch commits: each campaign as its rows now are, at its seq
    // after the batch. Not one whose rows the batch changed otherwise (kept marks, exits).
    const keep: { id: string; seq: string; campaign: OpenCampaign }[] = [];
    const cacheable = (id: string) => book !== undefined && !heldCampaigns.has(id) && !keptCampaigns.has(id);
    // One event per campaign the batch changed: a mark moved, an excursion, a breach or an exit.
    const campaignIds = locked.filter((id) => (byCampaign.get(id)?.changed.length ?? 0) > 0 || exitsOf.has(id));
    const unchanged = new Set(locked);
    for (const id of campaignIds) unchanged.delete(id);
    for (const c of lockedRows) {
      const open = openOf.get(c.id);
      if (unchanged.has(c.id) && open && cacheable(c.id)) keep.push({ id: c.id, seq: c.seq, campaign: open });
    }
    if (campaignIds.length === 0) return { result: { ...NOTHING, skipped }, keep };
    const bumped = await bumpSeqs(
      tx,
      campaignIds,
      campaignIds.map((id) => exitsOf.get(id)?.length ?? 0),
      now,
    );
    await journalStopExits(tx, bumped, exitsOf, now);
    // The sums no mark changes: the book's, else read (a campaign with positions has them).
    const unsummed = campaignIds.filter((id) => openOf.get(id)?.sums === undefined);
    const read = unsummed.length > 0 ? await loadMarkFreeSums(tx, unsummed) : new Map<string, MarkFreeSums>();
    const sumsOf = (id: string): MarkFreeSums | undefined => openOf.get(id)?.sums ?? read.get(id);
    const totals = new Map<string, CampaignTotals>();
    for (const id of campaignIds) totals.set(id, campaignTotals(byCampaign.get(id)?.open ?? [], sumsOf(id)));
    for (const b of bumped) {
      const open = openOf.get(b.id);
      if (open && cacheable(b.id)) keep.push({ id: b.id, seq: b.last_seq, campaign: { positions: open.positions, sums: sumsOf(b.id) } });
    }
    // A `marked` update carries, of each position, its id and what the batch changed (section 3):
    // no exits to read, a tenth of the bytes of a whole position to store, publish and parse. A
    // campaign a stop exit changed structurally gets whole positions (every one the batch changed).
    // Positions come in entry order (the campaign's are kept so).
    const changed = new Map<string, ChangedPositionJson[]>();
    let marked = 0;
    for (const id of campaignIds) {
      const list = byCampaign.get(id)?.changed ?? [];
      if (exitsOf.has(id)) {
        const ids = [...list.map((p) => p.open.row.id), ...(exitsOf.get(id) ?? []).map((e) => e.positionId)];
        const rows = inEntryOrder(await selectPositionRows(tx, ids));
        marked += rows.length;
        changed.set(id, await positionsJson(tx, null, rows));
      } else {
        marked += list.length;
        changed.set(id, list.map(markedJson));
      }
    }
    const { events, publishNow } = await recordEvents(
      tx,
      bumped.map((b) => {
        const closed = exitsOf.get(b.id);
        const first = byCampaign.get(b.id)?.changed[0]?.open.row.symbol ?? '';
        return {
          campaignId: b.id,
          seq: Number(b.last_seq),
          version: b.version,
          reason: closed ? ('position_closed' as const) : ('marked' as const),
          changedPositions: changed.get(b.id) ?? [],
          requestId: closed ? (closed[0]?.requestId ?? null) : (requestIdOf.get(first) ?? null),
        };
      }),
      now,
      null,
      opts.direct ? { known: totals, direct: opts.direct } : { known: totals },
    );
    const result: MarkResult = {
      marked,
      skipped,
      campaigns: bumped.length,
      events,
      breached,
      stopExits: exits,
      refusedStopExits: refused,
      perTick,
      publishNow,
    };
    return { result, keep };
  });
  // Committed: the book keeps the campaigns as the batch left them.
  if (book) for (const k of committed.keep) book.put(k.id, k.seq, k.campaign);
  return committed.result;
}

/** A kept campaign with the columns the batch wrote into its rows (new rows; the kept ones are not changed). */
function withWritten(kept: OpenCampaign, flagsOf: ReadonlyMap<string, MarkedFlags>): OpenCampaign {
  if (flagsOf.size === 0) return kept;
  let positions: OpenPosition[] | undefined;
  for (const [i, o] of kept.positions.entries()) {
    const written = flagsOf.get(o.row.id)?.written;
    if (!written) continue;
    positions ??= [...kept.positions];
    positions[i] = openPosition({ ...o.row, ...written });
  }
  return positions ? { positions, sums: kept.sums } : kept;
}

/** The OPEN positions of campaigns as their rows now are, each campaign's in entry order. */
async function readOpenCampaigns(tx: EntityManager, campaignIds: readonly string[]): Promise<Map<string, OpenCampaign>> {
  const byCampaign = new Map<string, OpenPosition[]>();
  for (const row of await selectOpenMarkRows(tx, campaignIds)) {
    const list = byCampaign.get(row.campaign_id);
    const o = openPosition(row);
    if (list) list.push(o);
    else byCampaign.set(row.campaign_id, [o]);
  }
  const out = new Map<string, OpenCampaign>();
  for (const [id, list] of byCampaign) out.set(id, { positions: list.sort(byEntryDate), sums: undefined });
  return out;
}

/** A symbol's mark after a batch (the contract's text), whether the batch moved it, and the one before. */
interface SymbolMarkNow extends SymbolMarkText {
  /** Its price in units of 10⁻⁸. */
  priceUnits: bigint;
  moved: boolean;
  before?: SymbolMarkText | undefined;
}

/** An OPEN position with the mark it carries after a batch (section 6), as a `marked` update lists it. */
interface MarkedPosition {
  open: OpenPosition;
  /** Its `current_price`, `current_pnl`, `marked_at`, `updated_at` and `net_pnl` after the batch (the contract's text). */
  price: string;
  pnl: string;
  markedAt: string | null;
  updatedAt: string;
  netPnl: string;
  /** Its P&L on the open shares at the mark it carries, in units. */
  pnlUnits: bigint;
  /** Whether its symbol's mark reaches it (not before its entry, and its P&L fits). */
  reached: boolean;
  /** Whether the symbol's mark is not before its entry but its P&L there would not fit NUMERIC(18,8). */
  overflow: boolean;
}

/**
 * The figures an OPEN position shows with its symbol's mark (section 6): the mark's price, P&L and
 * instant once the mark is not before its entry and its P&L fits NUMERIC(18,8), else what its row
 * holds. Exact, in integers of 10⁻⁸ (`markPnlUnits`), as reads compute it in SQL.
 */
function markedPosition(o: OpenPosition, long: boolean, mark: SymbolMarkNow | undefined): MarkedPosition {
  if (mark && mark.ts >= o.entryTs) {
    const at = markPnlUnits(long, o.entryUnits, o.sharesUnits, mark.priceUnits);
    if (at <= MAX_AMOUNT_UNITS && at >= -MAX_AMOUNT_UNITS) {
      return {
        open: o,
        price: mark.price,
        pnl: fromUnits(at),
        markedAt: mark.ts,
        updatedAt: laterText(mark.updatedAt, o.updatedAt),
        netPnl: fromUnits(o.settledUnits + at),
        pnlUnits: at,
        reached: true,
        overflow: false,
      };
    }
  }
  const row = o.row;
  const units = toUnits(row.current_pnl);
  return {
    open: o,
    price: row.current_price,
    pnl: row.current_pnl,
    markedAt: o.markedAt,
    updatedAt: o.updatedAt,
    netPnl: fromUnits(o.settledUnits + units),
    pnlUnits: units,
    reached: false,
    overflow: mark !== undefined && mark.ts >= o.entryTs,
  };
}

/** A position as a `marked` update carries it (section 3): its id and the fields a mark changes. */
function markedJson(p: MarkedPosition): MarkedPositionJson {
  const o = p.open;
  return {
    id: o.row.id,
    current_price: p.price,
    current_pnl: p.pnl,
    net_pnl: p.netPnl,
    r_multiple: divText8(p.netPnl, o.row.initial_risk),
    marked_at: p.markedAt,
    max_favorable_price: o.row.max_favorable_price,
    max_adverse_price: o.row.max_adverse_price,
    mfe_r: o.mfeR,
    mae_r: o.maeR,
    stop_breached_at: o.stopBreachedAt,
    stop_breach_price: o.row.stop_breach_price,
    updated_at: p.updatedAt,
  };
}

/** The later of two of the contract's timestamps (UTC text, which orders as text). */
const laterText = (a: string, b: string): string => (a > b ? a : b);

/** A campaign's totals from its OPEN positions as the batch leaves them and the sums no mark changes. */
function campaignTotals(open: readonly MarkedPosition[], fixed: MarkFreeSums | undefined): CampaignTotals {
  let shares = 0n;
  let notional = 0n;
  let risk = 0n;
  let unrealized = 0n;
  let breachedCount = 0;
  let asOf: string | null = fixed?.closedAsOf == null ? null : utcMillis(fixed.closedAsOf);
  for (const p of open) {
    const o = p.open;
    shares += o.sharesUnits;
    notional += o.entryUnits * o.sharesUnits;
    risk += o.riskUnits;
    unrealized += p.pnlUnits;
    if (o.stopBreachedAt !== null) breachedCount++;
    const at = p.markedAt;
    if (at !== null && (asOf === null || at > asOf)) asOf = at;
  }
  return totalsFromSums({
    openShares: dec(fromUnits(shares)),
    openNotional: dec(units16Text(notional)),
    openRisk: dec(fromUnits(risk)),
    unrealizedPnl: dec(fromUnits(unrealized)),
    realizedPnl: dec(fixed?.realizedPnl ?? '0'),
    fees: dec(fixed?.fees ?? '0'),
    initialRisk: dec(fixed?.initialRisk ?? '0'),
    openCount: open.length,
    closedCount: fixed?.closedCount ?? 0,
    breachedCount,
    asOf: asOf === null ? null : new Date(asOf),
  });
}

/** A non-negative amount in units of 10⁻¹⁶ (a price times a number of shares), as exact decimal text. */
function units16Text(n: bigint): string {
  const scale = 10_000_000_000_000_000n;
  return `${n / scale}.${(n % scale).toString().padStart(16, '0')}`;
}

/** The flags of a position the batch reached, without the keys its row already has. */
function omitKeys({
  id: _id,
  campaign_id: _c,
  symbol: _s,
  written: _w,
  ...flags
}: MarkedFlags): Omit<MarkedFlags, 'id' | 'campaign_id' | 'symbol' | 'written'> {
  return flags;
}

/**
 * One journal entry per automatic exit (`stop_exit`, section 7): no key acted, the request is the
 * breaching tick's. The exits of a campaign take, in the order of their ticks, the versions its
 * bump gave it, the last one the campaign's version now.
 */
async function journalStopExits(
  tx: EntityManager,
  bumped: readonly { id: string; version: number }[],
  exitsOf: ReadonlyMap<string, readonly StopExit[]>,
  at: Date,
): Promise<void> {
  for (const b of bumped) {
    const exits = exitsOf.get(b.id) ?? [];
    for (const [i, e] of exits.entries()) {
      await insertJournalEntry(tx, {
        id: randomUUID(),
        accountId: e.accountId,
        campaignId: b.id,
        at,
        action: 'stop_exit',
        version: b.version - exits.length + i + 1,
        positionId: e.positionId,
        keyId: null,
        keyName: null,
        requestId: e.requestId,
        details: {
          exit_id: e.exit.id,
          shares: e.exit.shares,
          price: e.exit.price,
          date: e.exit.date,
          fee: e.exit.fee,
          stop_loss: e.stopLoss,
        },
      });
    }
  }
}

/** Positions as the contract lists them: by entry date, then id (each date read once, not at every comparison). */
function inEntryOrder(rows: PositionRow[]): PositionRow[] {
  // The contract's timestamps order as text.
  const keyed = rows.map((r) => ({ r, t: utcMillis(r.entry_date) }));
  keyed.sort((a, b) => compareText(a.t, b.t) || compareText(a.r.id, b.r.id));
  return keyed.map((k) => k.r);
}
