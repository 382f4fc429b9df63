import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query } from '../../db/sql.js';
import { MAX_AMOUNT, type PositionRow, pnlAt } from '../positions/position.mapper.js';

// Raw, set-based SQL: a batch marks thousands of positions, one statement for all of them
// (bench/consume.ts measures it against a bare UPDATE of the same batches).

// Each symbol of the batch looks up its open positions through the partial index (the lateral
// subquery, fenced by OFFSET 0, is not flattened into a hash join over every open position). A
// position matches when the batch moves its symbol's mark to a tick not before its entry (section
// 6: the mark only moves forward in time) or when the batch's ticks since its entry move its
// excursions (section 9: late ticks count too). Positions entered before the batch's first tick
// take the batch's extremes; the others, rare, those of the steps from their entry on. `old_*` is
// the symbol's mark before the batch; what a position carried until now (`marked_at`) is that
// mark once not before its entry, else what its row holds.
const EXTREMES_SINCE = (bound: 'hi' | 'lo') => `case when p.entry_date <= t.first_ts then t.${bound}
  else (select ${bound === 'hi' ? 'max' : 'min'}(s.${bound}) from json_to_recordset(t.steps) as s(ts timestamptz, hi numeric, lo numeric)
        where s.ts >= p.entry_date) end`;
const MOVES = 'e.hi > greatest(p.max_favorable_price, p.max_adverse_price) or e.lo < least(p.max_favorable_price, p.max_adverse_price)';
const MATCHES = `
  select x.id, x.campaign_id, x.entry_price, x.open_shares, x.applies, x.moves, x.hi, x.lo, t.symbol, t.price, t.ts,
    x.stop_loss, x.entry_date, x.marked_at, x.stop_breached_at, t.crossings, t.old_price, t.old_ts, t.old_updated_at
  from json_to_recordset(?::json) as t(symbol text, price numeric, ts timestamptz, first_ts timestamptz, hi numeric, lo numeric, steps json,
    crossings json, old_price numeric, old_ts timestamptz, old_updated_at timestamptz)
  cross join lateral (
    select p.id, p.campaign_id, p.entry_price, p.open_shares, e.hi, e.lo, p.stop_loss, p.entry_date, p.stop_breached_at,
      case when t.old_ts >= p.entry_date then t.old_ts else p.marked_at end as marked_at,
      t.old_ts is null or t.old_ts < t.ts as applies,
      coalesce(${MOVES}, false) as moves
    from positions p
    cross join lateral (select ${EXTREMES_SINCE('hi')} as hi, ${EXTREMES_SINCE('lo')} as lo) e
    where p.symbol = t.symbol and p.status = 'OPEN' and p.entry_date <= t.ts
      and (t.old_ts is null or t.old_ts < t.ts or ${MOVES})
    offset 0) x`;

// Section 8: a price at or through the stop of the match's side, and a tick that may mark it.
const THROUGH = (price: string) => `case when c.side = 'LONG' then ${price} <= x.stop_loss else ${price} >= x.stop_loss end`;
const MAY_MARK = (ts: string) => `${ts} >= x.entry_date and (x.marked_at is null or ${ts} > x.marked_at)`;
// The tick that breaches a match, if any. Only a position not yet breached whose stop the batch's
// extremes since its entry reach looks further (a gate on the outer row: nothing else is
// evaluated for the others): the first of the symbol's crossings through the stop is the first
// tick through it; when that one may not mark the position (before its entry, or late), the
// symbol's ticks, one per instant (`instants`, read only then), are searched from its window on.
const BREACH = `
  select f.ts, f.price, f.from_ticks from (
    select k.ts, k.price from json_to_recordset(x.crossings) as k(ts timestamptz, price numeric)
    where x.stop_breached_at is null and case when c.side = 'LONG' then x.lo <= x.stop_loss else x.hi >= x.stop_loss end
      and ${THROUGH('k.price')}
    order by k.ts limit 1) k
  cross join lateral (
    select k.ts, k.price, false as from_ticks where ${MAY_MARK('k.ts')}
    union all
    (select d.ts, d.price, true from instants d
     where not (${MAY_MARK('k.ts')}) and d.symbol = x.symbol and ${MAY_MARK('d.ts')} and ${THROUGH('d.price')}
     order by d.ts limit 1)) f`;

/**
 * What a batch does to each of its symbols, as the JSON the statements take: the newest tick
 * (`symbol, price, ts`), the batch's first instant and extremes (`first_ts, hi, lo`), the
 * excursion steps when there are several (`steps: [{ts, hi, lo}]`, else null), the stop
 * crossings (`crossings: [{ts, price}]`, section 8), and the symbol's mark before the batch
 * (`old_price, old_ts, old_updated_at`, null when it had none).
 */
export type TicksJson = string;

/** Every tick of the batch that may be a mark, one per symbol and instant: `[{symbol, ts, price}]`. */
export type InstantsJson = string;

/** Locks the campaigns whose OPEN positions the ticks would mark, in id order (as every writer does). */
export async function lockMarkedCampaigns(em: EntityManager, ticks: TicksJson): Promise<string[]> {
  const rows = await query<{ id: string }>(
    em,
    `select c.id from campaigns c where c.id in (select m.campaign_id from (${MATCHES}) m) order by c.id for update of c`,
    [ticks],
  );
  return rows.map((r) => r.id);
}

/** What the batch did to a position it reached (its figures are read afterwards, as reads derive them). */
export interface MarkedFlags {
  id: string;
  campaign_id: string;
  symbol: string;
  /** Whether the batch moved its symbol's mark to a tick not before its entry. */
  applies: boolean;
  /** Whether the batch's ticks moved its excursions. */
  moves: boolean;
  /** False when the mark's P&L would not fit NUMERIC(18,8): the position keeps its last mark. */
  fits: boolean;
  /** The symbol's new mark. */
  tick_price: string;
  tick_ts: Date | string;
  /** The tick that breached its stop in this batch (section 8), or null. */
  breach_ts: Date | string | null;
  breach_price: string | null;
  /** Whether that tick was found among the batch's ticks, not its crossings. */
  from_ticks: boolean;
  /**
   * Breached in a campaign with `auto_exit_on_stop`: left as it was, to be exited at the
   * breaching tick (the batch's later ticks no longer touch it).
   */
  held: boolean;
  /** Whether its campaign is LONG. */
  long: boolean;
}

/** A position a mark reached, read after the batch's statements, with what the batch did to it. */
export type MarkedRow = PositionRow & Omit<MarkedFlags, 'id' | 'campaign_id' | 'symbol'>;

/**
 * Writes what a batch changes in the rows of the matching OPEN positions of the locked campaigns,
 * and returns what it did to every position it reached. Re-matched under the locks: a position
 * that a command closed meanwhile is not touched. The symbol's mark itself is not written into the
 * positions (reads derive it, see `MARK_JOIN`): only the rows whose excursions move or whose stop
 * the batch breaches are written, and those a mark reaches whose P&L would not fit NUMERIC(18,8)
 * (section 6), which keep the mark they carried, now written into their row, and come back with
 * `fits` false so that the caller can report them. The first tick at or through a stop breaches it
 * (section 8); a position so breached in a campaign that exits at stops is `held`: left unchanged,
 * for the caller to exit.
 */
export function updateMarks(
  em: EntityManager,
  ticks: TicksJson,
  instants: InstantsJson,
  campaignIds: readonly string[],
  now: Date,
): Promise<MarkedFlags[]> {
  return query<MarkedFlags>(
    em,
    `with instants as materialized (
       select d.symbol, d.ts, d.price from json_to_recordset(?::json) as d(symbol text, ts timestamptz, price numeric)),
     m as materialized (
       select x.id, x.campaign_id, x.symbol, x.price, x.ts, x.applies, x.moves, x.hi, x.lo, c.side = 'LONG' as long,
         r.pnl is null or abs(r.pnl) <= ${MAX_AMOUNT} as fits, o.pnl as old_pnl, x.old_price, x.old_ts, x.old_updated_at,
         b.ts as breach_ts, b.price as breach_price, coalesce(b.from_ticks, false) as from_ticks,
         c.auto_exit_on_stop and b.ts is not null as held
       from (${MATCHES}) x join campaigns c on c.id = x.campaign_id
       cross join lateral (select case when x.applies then ${pnlAt('x', 'x.price', "c.side = 'LONG'")} end as pnl) r
       cross join lateral (
         select case when abs(r.pnl) > ${MAX_AMOUNT} and x.old_ts >= x.entry_date then ${pnlAt('x', 'x.old_price', "c.side = 'LONG'")} end as pnl) o
       left join lateral (${BREACH}) b on true
       where x.campaign_id = any(?::uuid[])
       offset 0),
     written as (
       update positions p set
         current_price = case when k.keeps then m.old_price else p.current_price end,
         current_pnl = case when k.keeps then m.old_pnl else p.current_pnl end,
         marked_at = case when k.keeps then m.old_ts else p.marked_at end,
         max_favorable_price = case when m.long then greatest(p.max_favorable_price, m.hi) else least(p.max_favorable_price, m.lo) end,
         max_adverse_price = case when m.long then least(p.max_adverse_price, m.lo) else greatest(p.max_adverse_price, m.hi) end,
         stop_breached_at = coalesce(p.stop_breached_at, m.breach_ts),
         stop_breach_price = case when p.stop_breached_at is not null then p.stop_breach_price else m.breach_price end,
         updated_at = case when m.moves or m.breach_ts is not null then ?::timestamptz
           when k.keeps then greatest(p.updated_at, m.old_updated_at) else p.updated_at end
       from m cross join lateral (select m.old_pnl is not null and abs(m.old_pnl) <= ${MAX_AMOUNT} as keeps) k
       where p.id = m.id and p.status = 'OPEN' and not m.held and (m.moves or m.breach_ts is not null or not m.fits)
       returning p.id)
     select m.id, m.campaign_id, m.symbol, m.applies, m.moves, m.fits, m.price::text as tick_price, m.ts as tick_ts,
       m.breach_ts, m.breach_price::text as breach_price, m.from_ticks, m.held, m.long
     from m`,
    [instants, ticks, pgArray(campaignIds), now],
  );
}

/**
 * Gives each campaign its next event seq. Marks do not change the version; each automatic exit
 * at a stop is a structural change, one version each (`exits[i]` of `campaignIds[i]`).
 */
export function bumpSeqs(
  em: EntityManager,
  campaignIds: readonly string[],
  exits: readonly number[],
  now: Date,
): Promise<{ id: string; last_seq: string; version: number }[]> {
  return query<{ id: string; last_seq: string; version: number }>(
    em,
    `update campaigns c set last_seq = c.last_seq + 1, version = c.version + v.exits,
       updated_at = case when v.exits > 0 then ?::timestamptz else c.updated_at end
     from unnest(?::uuid[], ?::int[]) as v(id, exits) where c.id = v.id
     returning c.id, c.last_seq::text, c.version`,
    [now, pgArray(campaignIds), pgArray(exits.map(String))],
  );
}
