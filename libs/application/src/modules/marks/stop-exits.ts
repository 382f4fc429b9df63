import { randomUUID } from 'node:crypto';
import type { ExitJson } from '@cpt/contracts';
import {
  CLOSE_FIELDS,
  comparePriceText,
  dec,
  type ExitOutcome,
  exitPositionRule,
  extremesToExit,
  fmt8,
  isDomainError,
  laterOf,
  moveExcursions,
  type PositionState,
  ZERO,
} from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { asDate, query } from '../../db/sql.js';
import { utcMillis } from '../../db/timestamps.js';
import { EXIT, type ExitRow } from '../exits/exit.mapper.js';
import { exitHistories } from '../exits/exit.repository.js';
import { exitColumns } from '../positions/exit-columns.js';
import type { MarkedRow } from './marks.repository.js';

/** A tick of the batch as the marks hold it: price and ts as the contract's text. */
interface BatchTick {
  price: string;
  ts: string;
  requestId?: string | null;
}

/** An automatic exit at a stop, committed with the batch. */
export interface StopExit {
  campaignId: string;
  accountId: string;
  positionId: string;
  exit: ExitJson;
  /** The stop that acted. */
  stopLoss: string;
  /** The request that brought the breaching tick. */
  requestId: string | null;
}

/** A breach whose exit the rules refused (a realized P&L past NUMERIC(18,8)): the position is breached, not exited. */
export interface RefusedStopExit {
  positionId: string;
  campaignId: string;
  reason: string;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Exits the positions the marks held (section 8): all their open shares at the breaching tick's
 * price (a gap fills at that price, as a stop order would), dated at the later of its ts and the
 * position's last exit, fee 0, by the rules every exit follows. Each closes: the excursions freeze
 * at the breaching tick (the batch's ticks before it count, those after it do not), and with them
 * R and the excursions in R. In the marks' transaction, under their locks; returns the exits in
 * the order of their ticks.
 */
export async function applyStopExits(
  em: EntityManager,
  held: readonly MarkedRow[],
  ticksOf: (symbol: string) => readonly BatchTick[],
  now: Date,
): Promise<{ exits: StopExit[]; refused: RefusedStopExit[] }> {
  const histories = await exitHistories(
    em,
    held.filter((r) => r.realized_pnl !== null).map((r) => r.id),
  );
  const closing: Record<string, unknown>[] = [];
  const refused: (RefusedStopExit & { at: string; price: string })[] = [];
  const breachOf = new Map<string, { ts: string; price: string; requestId: string | null; stopLoss: string }>();
  for (const r of held) {
    const ts = utcMillis(r.breach_ts as Date | string);
    const price = r.breach_price as string;
    const side = r.long ? 'LONG' : 'SHORT';
    const history = histories.get(r.id) ?? { exitedNotional: ZERO, lastExitDate: null };
    const state: PositionState = {
      id: r.id,
      status: 'OPEN',
      side,
      entryPrice: dec(r.entry_price),
      shares: dec(r.shares),
      stopLoss: dec(r.stop_loss),
      entryDate: asDate(r.entry_date),
      openShares: dec(r.open_shares),
      currentPrice: dec(r.current_price),
      realizedPnl: r.realized_pnl === null ? null : dec(r.realized_pnl),
      fees: dec(r.fees),
      ...history,
    };
    const date = laterOf(new Date(ts), history.lastExitDate);
    let out: ExitOutcome;
    try {
      // Dated by the tick, which may lie up to a minute ahead of this clock: the rule's "now" is the later.
      out = exitPositionRule(state, { price: dec(price), date, fee: ZERO }, laterOf(now, date), CLOSE_FIELDS);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      refused.push({ positionId: r.id, campaignId: r.campaign_id, reason: err.message, at: ts, price });
      continue;
    }
    const ticks = ticksOf(r.symbol);
    const seen = extremesToExit(ticks, utcMillis(r.entry_date), { ts, price }, comparePriceText, compareText);
    const excursions = moveExcursions(
      side,
      { maxFavorablePrice: dec(r.max_favorable_price), maxAdversePrice: dec(r.max_adverse_price) },
      dec(seen.hi),
      dec(seen.lo),
    );
    const maxFavorablePrice = fmt8(excursions.maxFavorablePrice);
    const maxAdversePrice = fmt8(excursions.maxAdversePrice);
    const { closing: closed, ...columns } = exitColumns(
      { entryPrice: r.entry_price, initialStop: r.initial_stop, initialRisk: r.initial_risk, maxFavorablePrice, maxAdversePrice },
      out,
    );
    if (!closed) throw new Error(`a stop exit of ${r.id} left open shares`);
    closing.push({
      id: r.id,
      exit_id: randomUUID(),
      breach_ts: ts,
      breach_price: price,
      max_favorable_price: maxFavorablePrice,
      max_adverse_price: maxAdversePrice,
      open_shares: columns.openShares,
      realized_pnl: columns.realizedPnl,
      fees: columns.fees,
      risk: columns.risk,
      current_price: columns.currentPrice,
      current_pnl: columns.currentPnl,
      exit_price: closed.exitPrice,
      closed_date: closed.closedDate.toISOString(),
      r_multiple: closed.rMultiple,
      mfe_r: closed.mfeR,
      mae_r: closed.maeR,
      shares: fmt8(out.exit.shares),
      price: fmt8(out.exit.price),
      date: out.exit.date.toISOString(),
      fee: fmt8(out.exit.fee),
      exit_realized_pnl: fmt8(out.exit.realizedPnl),
    });
    breachOf.set(r.id, { ts, price, stopLoss: r.stop_loss, requestId: ticks.find((t) => t.ts === ts)?.requestId ?? null });
  }
  if (refused.length > 0) await breachOnly(em, refused, now);
  if (closing.length === 0) return { exits: [], refused };
  const rows = JSON.stringify(closing);
  await query(
    em,
    `update positions p set open_shares = r.open_shares, realized_pnl = r.realized_pnl, fees = r.fees, risk = r.risk,
       current_price = r.current_price, current_pnl = r.current_pnl, status = 'CLOSED', exit_price = r.exit_price,
       closed_date = r.closed_date, r_multiple = r.r_multiple, mfe_r = r.mfe_r, mae_r = r.mae_r, marked_at = r.breach_ts,
       max_favorable_price = r.max_favorable_price, max_adverse_price = r.max_adverse_price,
       stop_breached_at = r.breach_ts, stop_breach_price = r.breach_price, updated_at = ?::timestamptz
     from json_to_recordset(?::json) as r(id uuid, breach_ts timestamptz, breach_price numeric, max_favorable_price numeric,
       max_adverse_price numeric, open_shares numeric, realized_pnl numeric, fees numeric, risk numeric, current_price numeric,
       current_pnl numeric, exit_price numeric, closed_date timestamptz, r_multiple numeric, mfe_r numeric, mae_r numeric)
     where p.id = r.id and p.status = 'OPEN'`,
    [now, rows],
  );
  const inserted = await query<ExitRow & { account_id: string; campaign_id: string }>(
    em,
    `insert into exits as e (id, account_id, campaign_id, position_id, shares, price, date, fee, realized_pnl, created_at)
     select r.exit_id, p.account_id, p.campaign_id, p.id, r.shares, r.price, r.date, r.fee, r.exit_realized_pnl, ?::timestamptz
     from json_to_recordset(?::json) as r(id uuid, exit_id uuid, shares numeric, price numeric, date timestamptz, fee numeric,
       exit_realized_pnl numeric)
     join positions p on p.id = r.id
     returning ${EXIT.columns('e')}, e.account_id, e.campaign_id`,
    [now, rows],
  );
  const exits = inserted.map((e): StopExit => {
    const b = breachOf.get(e.position_id) as { ts: string; requestId: string | null; stopLoss: string };
    return {
      campaignId: e.campaign_id,
      accountId: e.account_id,
      positionId: e.position_id,
      exit: EXIT.toJson(e),
      stopLoss: b.stopLoss,
      requestId: b.requestId,
    };
  });
  // In the order of their ticks (then of the positions): the order of their journal entries.
  const order = (x: StopExit) => `${breachOf.get(x.positionId)?.ts ?? ''} ${x.positionId}`;
  exits.sort((a, b) => compareText(order(a), order(b)));
  return { exits, refused: refused.map(({ positionId, campaignId, reason }) => ({ positionId, campaignId, reason })) };
}

/** A breach whose exit was refused: the position records it and otherwise keeps what it had. */
async function breachOnly(
  em: EntityManager,
  refused: readonly { positionId: string; at: string; price: string }[],
  now: Date,
): Promise<void> {
  await query(
    em,
    `update positions p set stop_breached_at = r.at, stop_breach_price = r.price, updated_at = ?::timestamptz
     from json_to_recordset(?::json) as r(id uuid, at timestamptz, price numeric)
     where p.id = r.id and p.status = 'OPEN' and p.stop_breached_at is null`,
    [now, JSON.stringify(refused.map((r) => ({ id: r.positionId, at: r.at, price: r.price })))],
  );
}
