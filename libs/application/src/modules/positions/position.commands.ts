import { randomUUID } from 'node:crypto';
import {
  type Caller,
  closePositionRule,
  type Dec,
  dec,
  fmt8,
  moveStopRule,
  type NewPositionInput,
  openPosition,
  type PositionState,
  type Side,
} from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { campaignState } from '../campaigns/campaign.commands.js';
import { type ChangeResult, type CommandOptions, changeCampaign } from '../campaigns/campaign-change.js';
import { Position, type PositionEntity } from './position.entity.js';
import { campaignIdOf, loadPosition } from './position.repository.js';

/** A position command's outcome: the position, the campaign's new version, and the event. */
export type PositionResult = ChangeResult & { position: NonNullable<ChangeResult['position']> };

const positionState = (p: PositionEntity, side: Side): PositionState => ({
  id: p.id,
  status: p.status,
  side,
  entryPrice: dec(p.entryPrice),
  shares: dec(p.shares),
  stopLoss: dec(p.stopLoss),
  entryDate: p.entryDate,
});

const utc = (d: Date | null) => (d === null ? null : d.toISOString());

/** Opens a position in an ACTIVE campaign of the caller's account. */
export function addPosition(
  root: EntityManager,
  caller: Caller,
  campaignId: string,
  input: NewPositionInput,
  opts: CommandOptions = {},
): Promise<PositionResult> {
  const kind = { reason: 'position_opened', action: 'position_opened' } as const;
  return changeCampaign(root, caller, campaignId, opts, kind, async (em, c, now) => {
    const opened = openPosition(campaignState(c), input, now);
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
      stopLoss: fmt8(opened.stopLoss),
      risk: fmt8(opened.risk),
      currentPrice: fmt8(opened.currentPrice),
      currentPnl: fmt8(opened.currentPnl),
      status: 'OPEN',
      closedDate: null,
      exitPrice: null,
      realizedPnl: null,
      markedAt: null,
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
        entry_date: utc(opened.entryDate),
        signal_id: opened.signalId,
        symbol: opened.symbol,
        timeframe: opened.timeframe,
      },
    };
  }) as Promise<PositionResult>;
}

/** Closes an OPEN position of the caller's account at `exitPrice`. */
export async function closePosition(
  root: EntityManager,
  caller: Caller,
  positionId: string,
  exitPrice: Dec,
  closedDate: Date | undefined,
  opts: CommandOptions = {},
): Promise<PositionResult> {
  const campaignId = await campaignIdOf(root.fork(), caller.accountId, positionId);
  const kind = { reason: 'position_closed', action: 'position_closed' } as const;
  return changeCampaign(root, caller, campaignId, opts, kind, async (em, c, now) => {
    const p = await loadPosition(em, caller.accountId, positionId);
    const closed = closePositionRule(positionState(p, c.side), exitPrice, closedDate, now);
    p.status = 'CLOSED';
    p.exitPrice = fmt8(closed.exitPrice);
    p.closedDate = closed.closedDate;
    p.realizedPnl = fmt8(closed.realizedPnl);
    p.currentPrice = fmt8(closed.currentPrice);
    p.currentPnl = fmt8(closed.currentPnl);
    p.updatedAt = now;
    return { positionId: p.id, details: { exit_price: p.exitPrice, closed_date: utc(closed.closedDate) } };
  }) as Promise<PositionResult>;
}

/** Moves the stop of an OPEN position of the caller's account (a trailing stop). */
export async function moveStop(
  root: EntityManager,
  caller: Caller,
  positionId: string,
  stopLoss: Dec,
  opts: CommandOptions = {},
): Promise<PositionResult> {
  const campaignId = await campaignIdOf(root.fork(), caller.accountId, positionId);
  const kind = { reason: 'stop_moved', action: 'stop_moved' } as const;
  return changeCampaign(root, caller, campaignId, opts, kind, async (em, c, now) => {
    const p = await loadPosition(em, caller.accountId, positionId);
    const moved = moveStopRule(positionState(p, c.side), stopLoss);
    p.stopLoss = fmt8(moved.stopLoss);
    p.risk = fmt8(moved.risk);
    p.updatedAt = now;
    return { positionId: p.id, details: { stop_loss: p.stopLoss } };
  }) as Promise<PositionResult>;
}
