import { type Dec, divText8, type ExitOutcome, excursionR, fmt8 } from '@cpt/domain';

/** What the columns an exit writes are computed from. */
export interface ExitBasis {
  entryPrice: string;
  initialStop: string;
  initialRisk: string;
  /** The excursions as they stand when the exit closes the position (frozen from then on). */
  maxFavorablePrice: string;
  maxAdversePrice: string;
}

/** The columns of a position an exit writes (8-digit text), the same whoever exits it. */
export interface ExitColumns {
  openShares: string;
  realizedPnl: string;
  fees: string;
  risk: string;
  currentPrice: string;
  currentPnl: string;
  /** Set only when the exit closes the position. */
  closing?: {
    status: 'CLOSED';
    exitPrice: string;
    closedDate: Date;
    rMultiple: string | null;
    mfeR: string;
    maeR: string;
  };
}

/**
 * The columns an exit leaves a position with (section 8): its open shares, realized P&L, fees,
 * risk and P&L; an exit that closes it also sets the exit price and date and freezes the figures
 * the statistics average (R and the excursions in R), which are derived on read while it is OPEN.
 */
export function exitColumns(p: ExitBasis, out: ExitOutcome): ExitColumns {
  const columns: ExitColumns = {
    openShares: fmt8(out.openShares),
    realizedPnl: fmt8(out.realizedPnl),
    fees: fmt8(out.fees),
    risk: fmt8(out.risk),
    currentPrice: fmt8(out.currentPrice),
    currentPnl: fmt8(out.currentPnl),
  };
  if (out.closes) {
    columns.closing = {
      status: 'CLOSED',
      exitPrice: fmt8(out.exitPrice as Dec),
      closedDate: out.closedDate as Date,
      rMultiple: divText8(fmt8(out.realizedPnl.minus(out.fees)), p.initialRisk),
      mfeR: excursionR(p.entryPrice, p.initialStop, p.maxFavorablePrice),
      maeR: excursionR(p.entryPrice, p.initialStop, p.maxAdversePrice),
    };
  }
  return columns;
}
