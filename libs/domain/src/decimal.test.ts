import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divHalfEven, fromUnits, unitsToText } from '../test/arbitraries.js';
import { D, dec, divRound8, fmt8, MAX_ABS, round8, ZERO } from './decimal.js';

describe('D', () => {
  it('is configured for exact NUMERIC(18,8) arithmetic with half-even rounding', () => {
    expect(D.precision).toBe(80);
    expect(D.rounding).toBe(D.ROUND_HALF_EVEN);
  });

  it('multiplies the largest NUMERIC(18,8) values exactly', () => {
    expect(MAX_ABS.mul(MAX_ABS).toFixed()).toBe('99999999999999999800.0000000000000001');
  });

  it('prints tiny and huge values in plain notation', () => {
    expect(dec('0.00000000000000000001').toString()).toBe('0.00000000000000000001');
    expect(dec('100000000000000000000000').toString()).toBe('100000000000000000000000');
  });
});

describe('dec', () => {
  it('reads canonical strings and copies decimals', () => {
    expect(fmt8(dec('1.25750000'))).toBe('1.25750000');
    expect(fmt8(dec(dec('-3.5')))).toBe('-3.50000000');
  });

  it.each(['NaN', 'Infinity', '-Infinity'])('refuses the non-finite %s', (v) => {
    expect(() => dec(v)).toThrow();
  });

  it('refuses text that is not a number', () => {
    expect(() => dec('abc')).toThrow();
  });
});

describe('round8 and fmt8', () => {
  it.each([
    ['150.857142857142857', '150.85714286'],
    ['-10', '-10.00000000'],
    ['0', '0.00000000'],
    ['-0', '0.00000000'],
    ['-0.000000004', '0.00000000'],
    ['-0.000000005', '0.00000000'],
    ['0.000000005', '0.00000000'],
    ['0.000000015', '0.00000002'],
    ['0.000000025', '0.00000002'],
    ['-0.000000015', '-0.00000002'],
    ['-0.000000025', '-0.00000002'],
    ['1.000000005', '1.00000000'],
    ['1.000000015', '1.00000002'],
    ['1.0000000050000000001', '1.00000001'],
    ['-1.0000000149999999999', '-1.00000001'],
    ['123.45', '123.45000000'],
    ['1e21', '1000000000000000000000.00000000'],
    ['1e-20', '0.00000000'],
    ['-9999999999.99999999', '-9999999999.99999999'],
  ])('%s prints as %s', (input, expected) => {
    expect(fmt8(dec(input))).toBe(expected);
    expect(fmt8(round8(dec(input)))).toBe(expected);
  });

  it('never yields negative zero', () => {
    expect(round8(dec('-0.000000001')).isNegative()).toBe(false);
    expect(round8(dec('-0')).toString()).toBe('0');
  });

  it('refuses to format a non-finite value', () => {
    expect(() => fmt8(new D('NaN'))).toThrow();
  });

  it('agrees with an integer oracle on values with 16 fractional digits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (n) => {
        const x = dec(n.toString()).div(dec('1e16'));
        expect(fmt8(x)).toBe(unitsToText(divHalfEven(n, 10n ** 8n)));
      }),
    );
  });
});

describe('divRound8', () => {
  it.each([
    ['26400', '175', '150.85714286'],
    ['17530', '14000', '1.25214286'],
    ['1', '3', '0.33333333'],
    ['2', '3', '0.66666667'],
    ['-2', '3', '-0.66666667'],
    ['2', '-3', '-0.66666667'],
    ['0.00000001', '2', '0.00000000'],
    ['0.00000003', '2', '0.00000002'],
    ['0.00000005', '2', '0.00000002'],
    ['-0.00000001', '2', '0.00000000'],
    ['0', '7', '0.00000000'],
    ['1.000000015', '1', '1.00000002'],
  ])('%s / %s = %s', (n, d, expected) => {
    expect(fmt8(divRound8(dec(n), dec(d)))).toBe(expected);
  });

  it('rounds once even where the working precision would land exactly on a half', () => {
    const n = dec(`1.000000005${'0'.repeat(75)}1`);
    expect(fmt8(n.div(1))).toBe('1.00000000');
    expect(fmt8(divRound8(n, dec('1')))).toBe('1.00000001');
  });

  it('refuses a zero divisor', () => {
    expect(() => divRound8(dec('1'), ZERO)).toThrow('division by zero');
  });

  it('agrees with an integer oracle', () => {
    const big = 10n ** 24n;
    fc.assert(
      fc.property(fc.bigInt({ min: -big, max: big }), fc.bigInt({ min: 1n, max: big }), (nUnits, dUnits) => {
        // n and d in units of 1e-8: n/d = nUnits/dUnits, so the quotient in units is nUnits*1e8/dUnits.
        const q = divRound8(fromUnits(nUnits), fromUnits(dUnits));
        expect(fmt8(q)).toBe(fmt8(fromUnits(divHalfEven(nUnits * 10n ** 8n, dUnits))));
      }),
    );
  });
});
