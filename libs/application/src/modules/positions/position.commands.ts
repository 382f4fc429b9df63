import { randomUUID } from 'node:crypto';
import type { ExitJson } from '@cpt/contracts';
import {
  breachAfterStopMove,
  type Caller,
  CLOSE_FIELDS,
  checkRiskLimits,
  type Dec,
  dec,
  EXIT_FIELDS,
  type ExitOutcome,
  type ExitRequest,
  exitPositionRule,
  exposureOf,
  fmt8,
  moveStopRule,
  type NewPositionInput,
  openPosition,
  type PositionState,
  type RiskSettings,
  type Side,
} from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { campaignState } from '../campaigns/campaign.commands.js';
import { type ChangeResult, type CommandOptions, changeCampaign } from '../campaigns/campaign-change.js';
import { exitHistory, insertExit } from '../exits/exit.repository.js';
import { exposureNow } from '../risk/risk.repository.js';
import { exitColumns } from './exit-columns.js';
import { Position, type PositionEntity } from './position.entity.js';
import { campaignIdOf, loadPosition } from './position.repository.js';

/** A position command's outcome: the position, the campaign's new version, and the event. */
export type PositionResult = ChangeResult & { position: NonNullable<ChangeResult['position']> };

/** An exit's outcome: the exit and the position after it. */
export type ExitResult = PositionResult & { exit: ExitJson };

const utc = (d: Date | null) => (d === null ? null : d.toISOString());

/**
 * The domain's view of a position. Its earlier exits (their exact notional and last date) are read
 * only for an exit, the one rule that needs them, and only when the position has any.
 */
async function positionState(
  em: EntityManager,
  accountId: string,
  p: PositionEntity,
  side: Side,
  opts: { forExit: boolean },
): Promise<PositionState> {
  const history =
    opts.forExit && p.realizedPnl != null ? await exitHistory(em, accountId, p.id) : { exitedNotional: dec('0'), lastExitDate: null };
  return {
    id: p.id,
    status: p.status,
    side,
    entryPrice: dec(p.entryPrice),
    shares: dec(p.shares),
    stopLoss: dec(p.stopLoss),
    entryDate: p.entryDate,
    openShares: dec(p.openShares),
    currentPrice: dec(p.currentPrice),
    realizedPnl: p.realizedPnl == null ? null : dec(p.realizedPnl),
    fees: dec(p.fees),
    ...history,
  };
}

/** Refuses a change that raises exposure by `delta` past the account's limits (section 8). */
async function checkRisk(em: EntityManager, risk: RiskSettings | null, accountId: string, campaignId: string, delta: Dec): Promise<void> {
  if (risk === null || risk.equity === null || !delta.gt(0)) return;
  checkRiskLimits(risk, await exposureNow(em, accountId, campaignId), delta);
}

/** Opens a position in an ACTIVE campaign of the caller's account, within the account's risk limits. */
export function addPosition(
  root: EntityManager,
  caller: Caller,
  campaignId: string,
  input: NewPositionInput,
  opts: CommandOptions = {},
): Promise<PositionResult> {
  const kind = { reason: 'position_opened', action: 'position_opened', riskLimited: true, readsMark: true } as const;
  return changeCampaign(root, caller, campaignId, opts, kind, async (em, c, now, risk, mark) => {
    const opened = openPosition(campaignState(c), input, now, mark);
    await checkRisk(em, risk, caller.accountId, c.id, exposureOf(opened.risk));
    const p = em.create(Position, {
      id: randomUUID(),
      account: caller.accountId,
      campaign: c,
      signalId: opened.signalId,
      symbol: opened.symbol,
      timeframe: opened.timeframe,
      patternType: opened.patternType,
      entryDate: opened.entryDate,
      entryPrice: fmt8(opened.entryPrice),
      shares: fmt8(opened.shares),
      openShares: fmt8(opened.shares),
      stopLoss: fmt8(opened.stopLoss),
      initialStop: fmt8(opened.initialStop),
      risk: fmt8(opened.risk),
      initialRisk: fmt8(opened.initialRisk),
      entryFee: fmt8(opened.entryFee),
      fees: fmt8(opened.entryFee),
      currentPrice: fmt8(opened.currentPrice),
      currentPnl: fmt8(opened.currentPnl),
      maxFavorablePrice: fmt8(opened.maxFavorablePrice),
      maxAdversePrice: fmt8(opened.maxAdversePrice),
      status: 'OPEN',
      closedDate: null,
      exitPrice: null,
      realizedPnl: null,
      markedAt: opened.markedAt,
      // Section 8: a mark already through the stop breaches it at once (and never exits it).
      stopBreachedAt: opened.stopBreach?.at ?? null,
      stopBreachPrice: opened.stopBreach ? fmt8(opened.stopBreach.price) : null,
      createdAt: now,
      updatedAt: now,
    });
    return {
      positionId: p.id,
      details: {
        pattern_type: opened.patternType,
        entry_price: p.entryPrice,
        shares: p.shares,
        stop_loss: p.stopLoss,
        entry_fee: p.entryFee,
        entry_date: utc(opened.entryDate),
        signal_id: opened.signalId,
        symbol: opened.symbol,
        timeframe: opened.timeframe,
      },
    };
  }) as Promise<PositionResult>;
}

/**
 * Exits part or all of an OPEN position's shares. An exit that leaves no open share closes the
 * position (`position_closed`); any other reduces it (`position_reduced`). Never refused for risk:
 * an exit only lowers exposure.
 */
export async function exitPosition(
  root: EntityManager,
  caller: Caller,
  positionId: string,
  req: ExitRequest,
  opts: CommandOptions = {},
  names = EXIT_FIELDS,
): Promise<ExitResult> {
  const campaignId = await campaignIdOf(root.fork(), caller.accountId, positionId);
  const kind = { reason: 'position_reduced', action: 'position_reduced' } as const;
  let exit: ExitJson | undefined;
  const result = await changeCampaign(root, caller, campaignId, opts, kind, async (em, c, now) => {
    const p = await loadPosition(em, caller.accountId, positionId);
    const out: ExitOutcome = exitPositionRule(await positionState(em, caller.accountId, p, c.side, { forExit: true }), req, now, names);
    applyExit(p, out, now);
    await em.flush();
    exit = await insertExit(em, { id: randomUUID(), accountId: caller.accountId, campaignId: c.id, positionId, figures: out.exit, now });
    const closing = out.closes ? ({ reason: 'position_closed', action: 'position_closed' } as const) : {};
    return {
      positionId: p.id,
      ...closing,
      // The accepted values under the command's own names (`exit_price` and `closed_date` for a close).
      details: {
        exit_id: exit.id,
        [names.shares]: exit.shares,
        [names.price]: exit.price,
        [names.date]: exit.date,
        [names.fee]: exit.fee,
      },
    };
  });
  return { ...(result as PositionResult), exit: exit as ExitJson };
}

function applyExit(p: PositionEntity, out: ExitOutcome, now: Date): void {
  const { closing, ...columns } = exitColumns(p, out);
  Object.assign(p, columns, closing ?? {});
  p.updatedAt = now;
}

/** Closes an OPEN position of the caller's account: an exit of all its open shares at `exitPrice`. */
export async function closePosition(
  root: EntityManager,
  caller: Caller,
  positionId: string,
  close: { exitPrice: Dec; closedDate?: Date | undefined; fee?: Dec | undefined },
  opts: CommandOptions = {},
): Promise<PositionResult> {
  const req: ExitRequest = { price: close.exitPrice };
  if (close.closedDate !== undefined) req.date = close.closedDate;
  if (close.fee !== undefined) req.fee = close.fee;
  const { exit: _exit, ...result } = await exitPosition(root, caller, positionId, req, opts, CLOSE_FIELDS);
  return result;
}

/**
 * Moves the stop of an OPEN position of the caller's account (a trailing stop). A move away from
 * the market raises exposure and is checked against the account's limits; a move toward it never
 * is refused.
 */
export async function moveStop(
  root: EntityManager,
  caller: Caller,
  positionId: string,
  stopLoss: Dec,
  opts: CommandOptions = {},
): Promise<PositionResult> {
  const campaignId = await campaignIdOf(root.fork(), caller.accountId, positionId);
  const kind = { reason: 'stop_moved', action: 'stop_moved', riskLimited: true } as const;
  return changeCampaign(root, caller, campaignId, opts, kind, async (em, c, now, risk) => {
    const p = await loadPosition(em, caller.accountId, positionId);
    const moved = moveStopRule(await positionState(em, caller.accountId, p, c.side, { forExit: false }), stopLoss);
    await checkRisk(em, risk, caller.accountId, c.id, exposureOf(moved.risk).minus(exposureOf(dec(p.risk))));
    p.stopLoss = fmt8(moved.stopLoss);
    p.risk = fmt8(moved.risk);
    // Section 8: the mark it carries breaches the new stop, or no longer does (never an exit).
    const mark = p.markedAt ? { price: dec(p.currentPrice), at: p.markedAt } : null;
    const before = p.stopBreachedAt && p.stopBreachPrice != null ? { at: p.stopBreachedAt, price: dec(p.stopBreachPrice) } : null;
    const breach = breachAfterStopMove(c.side, moved.stopLoss, mark, before);
    p.stopBreachedAt = breach?.at ?? null;
    p.stopBreachPrice = breach ? fmt8(breach.price) : null;
    p.updatedAt = now;
    return { positionId: p.id, details: { stop_loss: p.stopLoss } };
  }) as Promise<PositionResult>;
}
