import { type Dec, fmt8, ZERO } from '../src/decimal.js';
import type { PatternType, Side, Timeframe } from '../src/model.js';
import { positionPnl } from '../src/pnl.js';
import {
  type CampaignState,
  closeCampaignRule,
  closePositionRule,
  type ExitOutcome,
  type ExitRequest,
  exitPositionRule,
  type NewPositionInput,
  openPosition,
} from '../src/rules.js';
import { isThroughStop } from '../src/stops.js';
import { campaignTotals, type PositionFigures, type TotalsJson, totalsToJson } from '../src/totals.js';

/** A stored position, as a repository would hold it. */
export interface BookPosition extends PositionFigures {
  id: string;
  patternType: PatternType;
  entryDate: Date;
  /** The size at entry. */
  shares: Dec;
  entryFee: Dec;
  initialStop: Dec;
  currentPrice: Dec;
  exitedNotional: Dec;
  lastExitDate: Date | null;
  exitPrice: Dec | null;
  closedDate: Date | null;
}

/** An in-memory campaign that applies the domain rules the way the position service does. */
export class CampaignBook {
  readonly positions: BookPosition[] = [];
  private campaign: CampaignState;

  constructor(side: Side, symbol: string, timeframe: Timeframe) {
    this.campaign = { id: 'c-1', side, status: 'ACTIVE', symbol, timeframe, version: 1 };
  }

  get version(): number {
    return this.campaign.version;
  }

  add(input: NewPositionInput, now: Date): BookPosition {
    const opened = openPosition(this.campaign, input, now);
    const row: BookPosition = {
      ...opened,
      id: `p-${this.positions.length + 1}`,
      status: 'OPEN',
      openShares: opened.shares,
      realizedPnl: null,
      fees: opened.entryFee,
      exitedNotional: ZERO,
      lastExitDate: null,
      markedAt: null,
      stopBreachedAt: null,
      exitPrice: null,
      closedDate: null,
    };
    this.positions.push(row);
    this.campaign = { ...this.campaign, version: this.campaign.version + 1 };
    return row;
  }

  /** Applies a tick under the contract's marking rule; returns how many positions moved. */
  mark(price: Dec, ts: Date): number {
    let moved = 0;
    for (const p of this.positions) {
      if (p.status !== 'OPEN' || p.entryDate.getTime() > ts.getTime()) continue;
      if (p.markedAt !== null && p.markedAt.getTime() >= ts.getTime()) continue;
      p.currentPrice = price;
      p.currentPnl = positionPnl(this.campaign.side, p.entryPrice, p.openShares, price);
      p.markedAt = ts;
      // Section 8: the first mark at or through the stop breaches it.
      if (p.stopBreachedAt === null && isThroughStop(this.campaign.side, price, p.stopLoss)) p.stopBreachedAt = ts;
      moved += 1;
    }
    return moved;
  }

  /** Exits part or all of a position (`POST /positions/{id}/exits`). */
  exit(id: string, req: ExitRequest, now: Date): ExitOutcome {
    const p = this.find(id);
    return this.apply(p, exitPositionRule({ ...p, side: this.campaign.side }, req, now));
  }

  close(id: string, exitPrice: Dec, now: Date, fee?: Dec): BookPosition {
    const p = this.find(id);
    this.apply(p, closePositionRule({ ...p, side: this.campaign.side }, exitPrice, undefined, now, fee));
    return p;
  }

  closeCampaign(): void {
    closeCampaignRule(this.campaign, this.positions.filter((p) => p.status === 'OPEN').length);
    this.campaign = { ...this.campaign, status: 'CLOSED', version: this.campaign.version + 1 };
  }

  totals(): TotalsJson {
    return totalsToJson(campaignTotals(this.campaign.side, this.positions));
  }

  /** Each position's current P&L, by pattern, for assertions. */
  pnls(): Record<string, string> {
    return Object.fromEntries(this.positions.map((p) => [p.patternType, fmt8(p.currentPnl)]));
  }

  private find(id: string): BookPosition {
    const p = this.positions.find((x) => x.id === id);
    if (p === undefined) throw new Error(`no position ${id}`);
    return p;
  }

  private apply(p: BookPosition, o: ExitOutcome): ExitOutcome {
    Object.assign(p, {
      status: o.closes ? 'CLOSED' : 'OPEN',
      openShares: o.openShares,
      realizedPnl: o.realizedPnl,
      fees: o.fees,
      currentPrice: o.currentPrice,
      currentPnl: o.currentPnl,
      exitedNotional: p.exitedNotional.plus(o.exit.price.mul(o.exit.shares)),
      lastExitDate: o.exit.date,
      exitPrice: o.exitPrice,
      closedDate: o.closedDate,
    });
    this.campaign = { ...this.campaign, version: this.campaign.version + 1 };
    return o;
  }
}
