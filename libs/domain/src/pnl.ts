import { type Dec, round8 } from './decimal.js';
import type { Side } from './model.js';

/**
 * The P&L of a position at a price: LONG `(price - entry) * shares`, SHORT
 * `(entry - price) * shares`, computed exactly and rounded once to 8 digits, half-even.
 */
export function positionPnl(side: Side, entryPrice: Dec, shares: Dec, price: Dec): Dec {
  const move = side === 'LONG' ? price.minus(entryPrice) : entryPrice.minus(price);
  return round8(move.mul(shares));
}

/**
 * The risk of a position: LONG `(entry - stop) * shares`, SHORT `(stop - entry) * shares`,
 * computed exactly and rounded once to 8 digits, half-even. Negative once a trailing stop has
 * passed the entry (the stop then locks in a gain).
 */
export function positionRisk(side: Side, entryPrice: Dec, stopLoss: Dec, shares: Dec): Dec {
  const gap = side === 'LONG' ? entryPrice.minus(stopLoss) : stopLoss.minus(entryPrice);
  return round8(gap.mul(shares));
}
