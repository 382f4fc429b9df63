import { randomUUID } from 'node:crypto';
import type { CampaignJson, CampaignUpdated, PositionJson, UpdateReason } from '@cpt/contracts';
import {
  type CampaignState,
  checkIfMatch,
  closeCampaignRule,
  closePositionRule,
  type Dec,
  dec,
  fmt8,
  moveStopRule,
  type NewPositionInput,
  NotFoundError,
  openPosition,
  type PositionState,
  type Side,
  type Timeframe,
} from '@cpt/domain';
import { type EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Campaign, type CampaignEntity, Position, type PositionEntity } from './entities.js';
import { recordEvents } from './events.js';
import { POSITION_COLUMNS, type PositionRow } from './rows.js';
import { query } from './sql.js';

/** Options every command takes. */
export interface CommandOptions {
  /** The version named by `If-Match`; the command fails with `version_conflict` when it differs. */
  ifMatch?: number;
  /** Correlates the command with its event. */
  requestId?: string;
  /** The command's clock; defaults to the current time. */
  now?: Date;
}

/** A position command's outcome: the position, the campaign's new version, and the event. */
export interface PositionResult {
  position: PositionJson;
  version: number;
  event: CampaignUpdated;
}

export interface CreateCampaignInput {
  name: string;
  symbol: string;
  timeframe: Timeframe;
  side: Side;
}

const campaignState = (c: CampaignEntity): CampaignState => ({
  id: c.id,
  side: c.side,
  status: c.status,
  symbol: c.symbol,
  timeframe: c.timeframe,
  version: c.version,
});

const positionState = (p: PositionEntity, side: Side): PositionState => ({
  id: p.id,
  status: p.status,
  side,
  entryPrice: dec(p.entryPrice),
  shares: dec(p.shares),
  stopLoss: dec(p.stopLoss),
  entryDate: p.entryDate,
});

/**
 * The commands that change campaigns. Each runs in one transaction that locks the campaign row
 * first (marks lock it too), bumps `version` and `last_seq`, and records the event in the outbox.
 */
export class CampaignCommands {
  constructor(private readonly em: EntityManager) {}

  async createCampaign(input: CreateCampaignInput, opts: CommandOptions = {}): Promise<CampaignJson> {
    const now = opts.now ?? new Date();
    const em = this.em.fork();
    const c = em.create(Campaign, {
      id: randomUUID(),
      ...input,
      status: 'ACTIVE',
      version: 1,
      lastSeq: 0,
      createdAt: now,
      updatedAt: now,
    });
    await em.flush();
    return this.json(c);
  }

  async addPosition(campaignId: string, input: NewPositionInput, opts: CommandOptions = {}): Promise<PositionResult> {
    return this.inCampaign(campaignId, opts, 'position_opened', async (em, c, now) => {
      const opened = openPosition(campaignState(c), input, now);
      const p = em.create(Position, {
        id: randomUUID(),
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
      return p.id;
    });
  }

  async closePosition(
    positionId: string,
    exitPrice: Dec,
    closedDate: Date | undefined,
    opts: CommandOptions = {},
  ): Promise<PositionResult> {
    const campaignId = await this.campaignOf(positionId);
    return this.inCampaign(campaignId, opts, 'position_closed', async (em, c, now) => {
      const p = await this.lockedPosition(em, positionId);
      const closed = closePositionRule(positionState(p, c.side), exitPrice, closedDate, now);
      p.status = 'CLOSED';
      p.exitPrice = fmt8(closed.exitPrice);
      p.closedDate = closed.closedDate;
      p.realizedPnl = fmt8(closed.realizedPnl);
      p.currentPrice = fmt8(closed.currentPrice);
      p.currentPnl = fmt8(closed.currentPnl);
      p.updatedAt = now;
      return p.id;
    });
  }

  async moveStop(positionId: string, stopLoss: Dec, opts: CommandOptions = {}): Promise<PositionResult> {
    const campaignId = await this.campaignOf(positionId);
    return this.inCampaign(campaignId, opts, 'stop_moved', async (em, c, now) => {
      const p = await this.lockedPosition(em, positionId);
      const moved = moveStopRule(positionState(p, c.side), stopLoss);
      p.stopLoss = fmt8(moved.stopLoss);
      p.risk = fmt8(moved.risk);
      p.updatedAt = now;
      return p.id;
    });
  }

  async closeCampaign(campaignId: string, opts: CommandOptions = {}): Promise<{ campaign: CampaignJson; event: CampaignUpdated }> {
    let campaign: CampaignJson | undefined;
    const r = await this.inCampaign(campaignId, opts, 'campaign_closed', async (em, c, now) => {
      const open = await em.count(Position, { campaign: c.id, status: 'OPEN' });
      closeCampaignRule(campaignState(c), open);
      c.status = 'CLOSED';
      c.updatedAt = now;
      campaign = this.json(c);
      return null;
    });
    return { campaign: { ...(campaign as CampaignJson), version: r.version }, event: r.event };
  }

  private async campaignOf(positionId: string): Promise<string> {
    const rows = (await this.em.fork().execute('select campaign_id from positions where id = ?', [positionId])) as {
      campaign_id: string;
    }[];
    const row = rows[0];
    if (!row) throw new NotFoundError('position', positionId);
    return row.campaign_id;
  }

  /** Re-reads the position once its campaign is locked, so it reflects every earlier commit. */
  private async lockedPosition(em: EntityManager, positionId: string): Promise<PositionEntity> {
    const p = await em.findOne(Position, { id: positionId }, { refresh: true });
    if (!p) throw new NotFoundError('position', positionId);
    return p;
  }

  private async inCampaign<T extends string | null>(
    campaignId: string,
    opts: CommandOptions,
    reason: UpdateReason,
    change: (em: EntityManager, c: CampaignEntity, now: Date) => Promise<T>,
  ): Promise<T extends string ? PositionResult : { version: number; event: CampaignUpdated }> {
    const now = opts.now ?? new Date();
    const result = await this.em.fork().transactional(async (em) => {
      const c = await em.findOne(Campaign, { id: campaignId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!c) throw new NotFoundError('campaign', campaignId);
      checkIfMatch(c.version, opts.ifMatch);
      const positionId = await change(em, c, now);
      c.version += 1;
      c.lastSeq += 1;
      c.updatedAt = now;
      await em.flush();
      const changed = positionId
        ? await query<PositionRow>(em, `select ${POSITION_COLUMNS} from positions p where p.id = ?`, [positionId])
        : [];
      const [event] = await recordEvents(
        em,
        [
          {
            campaignId: c.id,
            seq: c.lastSeq,
            version: c.version,
            reason,
            changedPositions: changed,
            requestId: opts.requestId ?? null,
          },
        ],
        now,
      );
      const e = event as CampaignUpdated;
      const position = e.changed_positions[0];
      return position ? { position, version: c.version, event: e } : { version: c.version, event: e };
    });
    return result as T extends string ? PositionResult : { version: number; event: CampaignUpdated };
  }

  private json(c: CampaignEntity): CampaignJson {
    return {
      id: c.id,
      name: c.name,
      symbol: c.symbol,
      timeframe: c.timeframe,
      side: c.side,
      status: c.status,
      version: c.version,
      created_at: c.createdAt.toISOString(),
      updated_at: c.updatedAt.toISOString(),
    };
  }
}
