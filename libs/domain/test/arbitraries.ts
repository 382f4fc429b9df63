import fc from 'fast-check';
import { type Dec, dec } from '../src/decimal.js';
import type { PositionStatus, Side } from '../src/model.js';
import type { PositionFigures } from '../src/totals.js';

/** 10^8: one unit is 0.00000001. */
export const UNIT = 100_000_000n;

/** Renders an integer count of 1e-8 units as a decimal string, e.g. `-150n` as `-0.0000015`. */
export function unitsToText(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString().padStart(9, '0');
  return `${sign}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

/** A decimal from an integer count of 1e-8 units. */
export function fromUnits(units: bigint): Dec {
  return dec(unitsToText(units));
}

/** The same value as a count of 1e-8 units; the value must have at most 8 fractional digits. */
export function toUnits(x: Dec): bigint {
  return BigInt(x.mul(UNIT.toString()).toFixed(0));
}

/** `n / d` rounded half-even to an integer, with exact integer arithmetic as an oracle. */
export function divHalfEven(n: bigint, d: bigint): bigint {
  if (d < 0n) return divHalfEven(-n, -d);
  const negative = n < 0n;
  const a = negative ? -n : n;
  let q = a / d;
  const twice = 2n * (a % d);
  if (twice > d || (twice === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** Decimal units between the bounds, inclusive. */
export const units = (min: bigint, max: bigint): fc.Arbitrary<bigint> => fc.bigInt({ min, max });

/** A positive price up to 1,000,000 with 8 fractional digits, as units. */
export const priceUnits = units(1n, 1_000_000n * UNIT);
/** A positive quantity up to 10,000,000 with 8 fractional digits, as units. */
export const sharesUnits = units(1n, 10_000_000n * UNIT);
/** A signed P&L up to 10^9 in magnitude, as units. */
export const pnlUnits = units(-1_000_000_000n * UNIT, 1_000_000_000n * UNIT);

export const sideArb: fc.Arbitrary<Side> = fc.constantFrom('LONG', 'SHORT');

const dateArb = fc.date({
  min: new Date('2020-01-01T00:00:00.000Z'),
  max: new Date('2030-01-01T00:00:00.000Z'),
  noInvalidDate: true,
});

/** A non-negative fee up to 1,000,000, as units. */
const feeUnits = units(0n, 1_000_000n * UNIT);

/**
 * Stored figures of one position, with any status, in unit form and as figures. An OPEN position
 * may have partial exits (a realized P&L); `sharesUnits` are its open shares.
 */
export interface GeneratedPosition {
  status: PositionStatus;
  entryUnits: bigint;
  stopUnits: bigint;
  sharesUnits: bigint;
  currentPnlUnits: bigint;
  /** Null before the first exit. */
  realizedPnlUnits: bigint | null;
  feesUnits: bigint;
  initialRiskUnits: bigint;
  markedAt: Date | null;
  /** When its stop was breached (section 8), or null. */
  stopBreachedAt: Date | null;
}

export const positionArb: fc.Arbitrary<GeneratedPosition> = fc.record({
  status: fc.constantFrom<PositionStatus>('OPEN', 'CLOSED'),
  entryUnits: priceUnits,
  stopUnits: priceUnits,
  sharesUnits,
  currentPnlUnits: pnlUnits,
  realizedPnlUnits: fc.option(pnlUnits, { nil: null }),
  feesUnits: feeUnits,
  initialRiskUnits: units(0n, 1_000_000_000n * UNIT),
  markedAt: fc.option(dateArb, { nil: null }),
  stopBreachedAt: fc.option(dateArb, { nil: null }),
});

/** The figures a store would hold for a generated position (a CLOSED one holds no open shares). */
export function figures(g: GeneratedPosition): PositionFigures {
  const realized = g.realizedPnlUnits === null ? null : fromUnits(g.realizedPnlUnits);
  return {
    status: g.status,
    openShares: g.status === 'OPEN' ? fromUnits(g.sharesUnits) : fromUnits(0n),
    entryPrice: fromUnits(g.entryUnits),
    stopLoss: fromUnits(g.stopUnits),
    currentPnl: g.status === 'OPEN' ? fromUnits(g.currentPnlUnits) : (realized ?? fromUnits(0n)),
    realizedPnl: realized,
    fees: fromUnits(g.feesUnits),
    initialRisk: fromUnits(g.initialRiskUnits),
    markedAt: g.markedAt,
    stopBreachedAt: g.stopBreachedAt,
  };
}
