import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pnlUnits } from '../test/arbitraries.js';
import { D, dec, divRound8, fmt8 } from './decimal.js';
import { absRatioText8, divText8, divUnits, fromUnits, markPnlUnits, toUnits } from './fixed8.js';
import { positionPnl } from './pnl.js';

describe('fixed8', () => {
  it('reads and prints the contract decimal text', () => {
    expect(toUnits('150.85714286')).toBe(15_085_714_286n);
    expect(toUnits('-10')).toBe(-1_000_000_000n);
    expect(toUnits('0.5')).toBe(50_000_000n);
    expect(toUnits('-0.00000001')).toBe(-1n);
    expect(fromUnits(15_085_714_286n)).toBe('150.85714286');
    expect(fromUnits(-1n)).toBe('-0.00000001');
    expect(fromUnits(0n)).toBe('0.00000000');
    expect(fromUnits(-0n)).toBe('0.00000000');
  });

  it('refuses what is not plain notation with at most 8 fractional digits', () => {
    for (const bad of ['1e3', '1.123456789', '', '.5', '1.', 'NaN', '+1']) expect(() => toUnits(bad)).toThrow();
  });

  it('rounds a quotient once, half to even, whatever the signs', () => {
    // 1 / 8 = 0.125 exactly: no rounding; 0.00000005 / 2 = 0.000000025 → tie, even 0.00000002.
    expect(divText8('1.00000000', '8.00000000')).toBe('0.12500000');
    expect(divText8('0.00000005', '2')).toBe('0.00000002');
    expect(divText8('0.00000007', '2')).toBe('0.00000004');
    expect(divText8('-0.00000005', '2')).toBe('-0.00000002');
    expect(divText8('0.00000005', '-2')).toBe('-0.00000002');
    expect(divText8('-0.00000001', '3')).toBe('0.00000000');
    expect(divText8('697.00000000', '200.00000000')).toBe('3.48500000');
    expect(divText8('2', '3')).toBe('0.66666667');
    expect(divText8('1', '0.00000000')).toBeNull();
    expect(() => divUnits(1n, 0n)).toThrow('division by zero');
  });

  it('agrees with the Decimal division of the domain for any operands', () => {
    const nonZero = pnlUnits.filter((u) => u !== 0n);
    fc.assert(
      fc.property(pnlUnits, nonZero, (n, d) => {
        const text = (u: bigint) => fromUnits(u);
        expect(divText8(text(n), text(d))).toBe(fmt8(divRound8(new D(text(n)), new D(text(d)))));
        expect(toUnits(text(n))).toBe(n);
      }),
      { numRuns: 500 },
    );
  });

  it('rounds |a − b| / |c − d| exactly, on the fast path of doubles and off it', () => {
    expect(absRatioText8('104.00000000', '100.00000000', '100.00000000', '98.00000000')).toBe('2.00000000');
    expect(absRatioText8('99.00000000', '100.00000000', '100.00000000', '98.00000000')).toBe('0.50000000');
    expect(absRatioText8('1', '1', '2', '2')).toBeNull();
    // A tie: 0.00000005 / 2 → 0.00000002 (even), 0.00000003 / 2 → 0.00000002.
    expect(absRatioText8('0.00000005', '0.00000000', '2.00000000', '0.00000000')).toBe('0.00000002');
    expect(absRatioText8('0.00000003', '0.00000000', '2.00000000', '0.00000000')).toBe('0.00000002');
    const wide = fc.bigInt({ min: 1n, max: 999_999_999_999_999_999n });
    fc.assert(
      fc.property(fc.oneof(pnlUnits, wide), fc.oneof(pnlUnits, wide), pnlUnits, pnlUnits, (a, b, c, d) => {
        fc.pre(c !== d);
        const t = (u: bigint) => fromUnits(u);
        const expected = fmt8(divRound8(new D(t(a)).minus(t(b)).abs(), new D(t(c)).minus(t(d)).abs()));
        expect(absRatioText8(t(a), t(b), t(c), t(d))).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('markPnlUnits', () => {
  const units = fc.bigInt({ min: 1n, max: 999_999_999_999_999_999n });
  it('equals positionPnl rounded half-even to 8 digits, for LONG and SHORT', () => {
    fc.assert(
      fc.property(fc.boolean(), units, units, units, (long, entry, shares, price) => {
        const expected = positionPnl(long ? 'LONG' : 'SHORT', dec(fromUnits(entry)), dec(fromUnits(shares)), dec(fromUnits(price)));
        expect(fromUnits(markPnlUnits(long, entry, shares, price))).toBe(fmt8(expected));
      }),
      { numRuns: 2000 },
    );
  });

  it('rounds an exact tie to the even digit, on both sides of zero', () => {
    // (2.00000001 − 2) × 0.5 = 0.000000005 → 0.00000000; × 1.5 = 0.000000015 → 0.00000002.
    expect(fromUnits(markPnlUnits(true, 200_000_000n, 50_000_000n, 200_000_001n))).toBe('0.00000000');
    expect(fromUnits(markPnlUnits(true, 200_000_000n, 150_000_000n, 200_000_001n))).toBe('0.00000002');
    expect(fromUnits(markPnlUnits(false, 200_000_000n, 150_000_000n, 200_000_001n))).toBe('-0.00000002');
    expect(fromUnits(markPnlUnits(false, 200_000_000n, 250_000_000n, 200_000_001n))).toBe('-0.00000002');
  });
});
