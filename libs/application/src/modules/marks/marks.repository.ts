import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query, statement } from '../../db/sql.js';
import type { PositionRow } from '../positions/position.mapper.js';

// Raw, set-based SQL: a batch reaches thousands of positions, one statement for all of them
// (bench/consume.ts measures it against a bare UPDATE of the same batches). The symbol's mark is
// one row (section 6); a position's row is written only when the batch moves its excursions or
// breaches its stop.

// Each symbol of the batch looks up its open positions through the partial index (the lateral
// subquery, fenced by OFFSET 0, is not flattened into a hash join over every open position). A
// position matches when the batch's ticks since its entry move its excursions (section 9: late
// ticks count too), or when the batch moves the symbol's mark and its extremes since the entry
// reach the stop of a position not yet breached (section 8); only positions of the locked
// campaigns (`pc`, with their sides) match. Positions entered before the batch's
// first tick take the batch's extremes; the others, rare, those of the steps from their entry on.
// `old_*` is the symbol's mark before the batch; what a position carried until now (`marked_at`)
// is that mark once not before its entry, else what its row holds.
const EXTREMES_SINCE = (bound: 'hi' | 'lo') => `case when p.entry_date <= t.first_ts then t.${bound}
  else (select ${bound === 'hi' ? 'max' : 'min'}(s.${bound}) from json_to_recordset(t.steps) as s(ts timestamptz, hi numeric, lo numeric)
        where s.ts >= p.entry_date) end`;
const MOVES = 'e.hi > greatest(p.max_favorable_price, p.max_adverse_price) or e.lo < least(p.max_favorable_price, p.max_adverse_price)';
const REACHES_STOP = `p.stop_breached_at is null and (t.old_ts is null or t.old_ts < t.ts)
        and case when pc.long then e.lo <= p.stop_loss else e.hi >= p.stop_loss end`;
const MATCHES = `
  select x.id, x.campaign_id, x.moves, x.hi, x.lo, t.symbol, x.stop_loss, x.entry_date, x.marked_at, x.stop_breached_at, t.crossings
  from json_to_recordset(?::json) as t(symbol text, ts timestamptz, first_ts timestamptz, hi numeric, lo numeric, steps json,
    crossings json, old_ts timestamptz)
  cross join lateral (
    select p.id, p.campaign_id, e.hi, e.lo, p.stop_loss, p.entry_date, p.stop_breached_at,
      case when t.old_ts >= p.entry_date then t.old_ts else p.marked_at end as marked_at,
      coalesce(${MOVES}, false) as moves
    from positions p
    join json_to_recordset(?::json) as pc(id uuid, long boolean) on pc.id = p.campaign_id
    cross join lateral (select ${EXTREMES_SINCE('hi')} as hi, ${EXTREMES_SINCE('lo')} as lo) e
    where p.symbol = t.symbol and p.status = 'OPEN' and p.entry_date <= t.ts
      and (${MOVES} or ${REACHES_STOP})
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
 * What a batch does to each of its symbols, as the JSON the statements take: the instant of its
 * newest tick (`symbol, ts`), the batch's first instant and extremes (`first_ts, hi, lo`), the
 * excursion steps when there are several (`steps: [{ts, hi, lo}]`, else null), the stop
 * crossings (`crossings: [{ts, price}]`, section 8), and the instant of the symbol's mark before
 * the batch (`old_ts`, null when it had none).
 */
export type TicksJson = string;

/** Every tick of the batch that may be a mark, one per symbol and instant: `[{symbol, ts, price}]`. */
export type InstantsJson = string;

// Each symbol's campaigns through their index (the lateral, fenced by OFFSET 0, is not
// flattened into a scan of every campaign), then locked in id order by primary key.
const LOCK_CAMPAIGNS_OF_SYMBOLS = statement(
  `select c.id, c.side = 'LONG' as long, c.last_seq::text as seq from campaigns c
   where c.id = any(array(
     select k.id from json_to_recordset(?::json) as t(symbol text, ts timestamptz)
     cross join lateral (
       select k.id from campaigns k where k.symbol = t.symbol
         and exists (select 1 from positions p where p.campaign_id = k.id and p.status = 'OPEN' and p.entry_date <= t.ts)
       offset 0) k))
   order by c.id for update of c`,
);

/** A campaign a batch of marks locked: its side, and its `last_seq` before the batch. */
export interface LockedCampaign {
  id: string;
  long: boolean;
  seq: string;
}

/**
 * Locks, in id order (as every writer does), the campaigns of the symbols whose OPEN positions a
 * batch may reach: those entered at or before the symbol's newest tick of the batch. A campaign's
 * positions all trade its symbol.
 */
export function lockCampaignsOfSymbols(em: EntityManager, newest: readonly { symbol: string; ts: string }[]): Promise<LockedCampaign[]> {
  return query<LockedCampaign>(em, LOCK_CAMPAIGNS_OF_SYMBOLS, [JSON.stringify(newest.map((t) => ({ symbol: t.symbol, ts: t.ts })))]);
}

/** What the batch's ticks did to a position's row: its excursions, its stop (sections 8 and 9). */
export interface MarkedFlags {
  id: string;
  campaign_id: string;
  symbol: string;
  /** Whether the batch's ticks moved its excursions. */
  moves: boolean;
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
  /** The columns the batch wrote, as its row now holds them (null when it wrote none). */
  written: WrittenMarkColumns | null;
}

/** The columns of a position's row that a batch of marks writes. */
export type WrittenMarkColumns = Pick<
  OpenMarkRow,
  'max_favorable_price' | 'max_adverse_price' | 'stop_breached_at' | 'stop_breach_price' | 'updated_at'
>;

/** A position to exit at its stop: its row as reads show it, with what the batch did to it. */
export type MarkedRow = PositionRow & Omit<MarkedFlags, 'id' | 'campaign_id' | 'symbol' | 'written'>;

const UPDATE_MARKS = statement(
  `with instants as materialized (
     select d.symbol, d.ts, d.price from json_to_recordset(?::json) as d(symbol text, ts timestamptz, price numeric)),
   m as materialized (
     select x.id, x.campaign_id, x.symbol, x.moves, x.hi, x.lo, c.side = 'LONG' as long,
       b.ts as breach_ts, b.price as breach_price, coalesce(b.from_ticks, false) as from_ticks,
       c.auto_exit_on_stop and b.ts is not null as held
     from (${MATCHES}) x join campaigns c on c.id = x.campaign_id
     left join lateral (${BREACH}) b on true
     offset 0),
   written as (
     update positions p set
       max_favorable_price = case when m.long then greatest(p.max_favorable_price, m.hi) else least(p.max_favorable_price, m.lo) end,
       max_adverse_price = case when m.long then least(p.max_adverse_price, m.lo) else greatest(p.max_adverse_price, m.hi) end,
       stop_breached_at = coalesce(p.stop_breached_at, m.breach_ts),
       stop_breach_price = case when p.stop_breached_at is not null then p.stop_breach_price else m.breach_price end,
       updated_at = ?::timestamptz
     from m
     where p.id = any(array(select w.id from m w where not w.held and (w.moves or w.breach_ts is not null)))
       and p.id = m.id and p.status = 'OPEN'
     returning p.id, p.max_favorable_price, p.max_adverse_price, p.stop_breached_at, p.stop_breach_price, p.updated_at)
   select m.id, m.campaign_id, m.symbol, m.moves, m.breach_ts, m.breach_price::text as breach_price, m.from_ticks, m.held, m.long,
     w.id is not null as wrote, w.max_favorable_price::text as w_max_favorable_price, w.max_adverse_price::text as w_max_adverse_price,
     w.stop_breached_at as w_stop_breached_at, w.stop_breach_price::text as w_stop_breach_price, w.updated_at as w_updated_at
   from m left join written w on w.id = m.id where m.moves or m.breach_ts is not null`,
);

/**
 * Writes the excursions and stop breaches a batch makes in the rows of the OPEN positions of the
 * locked campaigns, and returns what it did to each position it wrote or holds, with the columns
 * it wrote. Re-matched under the locks: a position that a command closed meanwhile is not touched.
 * The first tick at or through a stop breaches it (section 8); a position so breached in a
 * campaign that exits at stops is `held`: left unchanged, for the caller to exit.
 */
export async function updateMarks(
  em: EntityManager,
  ticks: TicksJson,
  instants: InstantsJson,
  campaigns: readonly { id: string; long: boolean }[],
  now: Date,
): Promise<MarkedFlags[]> {
  const rows = await query<
    Omit<MarkedFlags, 'written'> & { wrote: boolean } & { [K in keyof WrittenMarkColumns as `w_${K}`]: WrittenMarkColumns[K] }
  >(em, UPDATE_MARKS, [instants, ticks, JSON.stringify(campaigns.map((c) => ({ id: c.id, long: c.long }))), now]);
  return rows.map(
    ({ wrote, w_max_favorable_price, w_max_adverse_price, w_stop_breached_at, w_stop_breach_price, w_updated_at, ...flags }) => ({
      ...flags,
      written: wrote
        ? {
            max_favorable_price: w_max_favorable_price,
            max_adverse_price: w_max_adverse_price,
            stop_breached_at: w_stop_breached_at,
            stop_breach_price: w_stop_breach_price,
            updated_at: w_updated_at,
          }
        : null,
    }),
  );
}

/**
 * An OPEN position as a batch of marks reads it after its writes: what the figures a mark
 * changes derive from, and what the position showed until now (section 6).
 */
export interface OpenMarkRow {
  id: string;
  campaign_id: string;
  symbol: string;
  entry_date: Date | string;
  entry_price: string;
  open_shares: string;
  risk: string;
  realized_pnl: string | null;
  fees: string;
  initial_risk: string;
  initial_stop: string;
  current_price: string;
  current_pnl: string;
  marked_at: Date | string | null;
  max_favorable_price: string;
  max_adverse_price: string;
  stop_breached_at: Date | string | null;
  stop_breach_price: string | null;
  updated_at: Date | string;
}

const SELECT_OPEN_MARK_ROWS = statement(
  `select p.id, p.campaign_id, p.symbol, p.entry_date, p.entry_price::text, p.open_shares::text, p.risk::text,
     p.realized_pnl::text, p.fees::text, p.initial_risk::text, p.initial_stop::text, p.current_price::text,
     p.current_pnl::text, p.marked_at, p.max_favorable_price::text, p.max_adverse_price::text, p.stop_breached_at,
     p.stop_breach_price::text, p.updated_at
   from positions p where p.campaign_id = any(?::uuid[]) and p.status = 'OPEN'`,
);

/** Every OPEN position of the campaigns, with its own columns (the caller derives its mark). */
export function selectOpenMarkRows(em: EntityManager, campaignIds: readonly string[]): Promise<OpenMarkRow[]> {
  return query<OpenMarkRow>(em, SELECT_OPEN_MARK_ROWS, [pgArray(campaignIds)]);
}

const KEEP_MARKS = statement(
  `update positions p set current_price = k.price, current_pnl = k.pnl, marked_at = k.ts, updated_at = greatest(p.updated_at, k.updated_at)
   from json_to_recordset(?::json) as k(id uuid, price numeric, pnl numeric, ts timestamptz, updated_at timestamptz)
   where p.id = k.id and p.status = 'OPEN'`,
);

/**
 * Writes into the rows of positions the mark each carried before a batch moved its symbol to a
 * price whose P&L would not fit NUMERIC(18,8) for them (section 6): they keep it, and reads, which
 * no longer reach them with the symbol's mark, show it from their rows.
 */
export async function keepMarks(
  em: EntityManager,
  kept: readonly { id: string; price: string; pnl: string; ts: string; updated_at: string }[],
): Promise<void> {
  if (kept.length === 0) return;
  await query(em, KEEP_MARKS, [JSON.stringify(kept)]);
}

const BUMP_SEQS = statement(
  `update campaigns c set last_seq = c.last_seq + 1, version = c.version + v.exits,
     updated_at = case when v.exits > 0 then ?::timestamptz else c.updated_at end
   from unnest(?::uuid[], ?::int[]) as v(id, exits) where c.id = v.id
   returning c.id, c.last_seq::text, c.version`,
);

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
  return query<{ id: string; last_seq: string; version: number }>(em, BUMP_SEQS, [now, pgArray(campaignIds), pgArray(exits.map(String))]);
}
