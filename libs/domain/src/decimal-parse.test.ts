import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unitsToText } from '../test/arbitraries.js';
import { D, dec, fitsNumeric18_8, fmt8, MAX_ABS, parseDecimalText } from './decimal.js';

describe('parseDecimalText', () => {
  it.each([
    ['0', '0.00000000'],
    ['-0', '0.00000000'],
    ['1', '1.00000000'],
    ['1.5', '1.50000000'],
    ['1.2575', '1.25750000'],
    ['00000000001.5', '1.50000000'],
    ['-0.00000001', '-0.00000001'],
    ['1.00000000', '1.00000000'],
    ['9999999999.99999999', '9999999999.99999999'],
    ['-9999999999.99999999', '-9999999999.99999999'],
    ['0000000000009999999999', '9999999999.00000000'],
  ])('accepts %j as %s', (raw, expected) => {
    const r = parseDecimalText(raw);
    expect(r.ok).toBe(true);
    if (r.ok) expect(fmt8(r.value)).toBe(expected);
  });

  const PLAIN = 'must be a decimal in plain notation';
  it.each([
    ['1e5', PLAIN],
    ['1E5', PLAIN],
    ['1.5e-3', PLAIN],
    ['NaN', PLAIN],
    ['Infinity', PLAIN],
    ['-Infinity', PLAIN],
    ['', PLAIN],
    [' 1', PLAIN],
    ['1 ', PLAIN],
    ['\n1', PLAIN],
    ['+1', PLAIN],
    ['.5', PLAIN],
    ['-.5', PLAIN],
    ['1.', PLAIN],
    ['-', PLAIN],
    ['--1', PLAIN],
    ['1.2.3', PLAIN],
    ['1,5', PLAIN],
    ['1_000', PLAIN],
    ['0x1F', PLAIN],
    ['\u0661', PLAIN],
    ['1.123456789', 'at most 8 fractional digits'],
    ['1.123456780', 'at most 8 fractional digits'],
    ['0.000000001', 'at most 8 fractional digits'],
    ['12345678901', 'at most 10 integer digits'],
    ['-12345678901', 'at most 10 integer digits'],
    ['10000000000.5', 'at most 10 integer digits'],
  ])('rejects %j: %s', (raw, message) => {
    expect(parseDecimalText(raw)).toEqual({ ok: false, message });
  });

  it('accepts every NUMERIC(18,8) value written plainly and gives it back exactly', () => {
    const max = 10n ** 18n - 1n;
    fc.assert(
      fc.property(fc.bigInt({ min: -max, max }), (n) => {
        const r = parseDecimalText(unitsToText(n));
        expect(r.ok).toBe(true);
        if (r.ok) {
          expect(fitsNumeric18_8(r.value)).toBe(true);
          expect(fmt8(r.value)).toBe(unitsToText(n));
        }
      }),
    );
  });
});

describe('fitsNumeric18_8', () => {
  it.each([
    ['0', true],
    ['9999999999.99999999', true],
    ['-9999999999.99999999', true],
    ['10000000000', false],
    ['-10000000000', false],
    ['1.000000001', false],
    ['0.00000001', true],
    ['1.100000000', true],
  ])('%s -> %s', (v, expected) => {
    expect(fitsNumeric18_8(dec(v))).toBe(expected);
  });

  it('is false for non-finite values', () => {
    expect(fitsNumeric18_8(new D('NaN'))).toBe(false);
    expect(fitsNumeric18_8(new D('Infinity'))).toBe(false);
  });

  it('has MAX_ABS at the column limit', () => {
    expect(fmt8(MAX_ABS)).toBe('9999999999.99999999');
  });
});
