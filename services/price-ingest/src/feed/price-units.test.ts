import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUnits, MAX_UNITS, parseUnits } from './price-units.js';

describe('price units', () => {
  it.each([
    ['100', 10_000_000_000n],
    ['1.2575', 125_750_000n],
    ['0.00000001', 1n],
    ['9999999999.99999999', MAX_UNITS],
    [' 42 ', 4_200_000_000n],
  ])('reads %j', (text, units) => {
    expect(parseUnits(text)).toBe(units);
  });

  it.each(['0', '0.00000000', '-1', '1e3', '1.123456789', '12345678901', '', 'abc', '.5', '1.'])('refuses %j', (text) => {
    expect(parseUnits(text)).toBeNull();
  });

  it.each([
    [1n, '0.00000001'],
    [125_750_000n, '1.25750000'],
    [10_000_000_000n, '100.00000000'],
    [MAX_UNITS, '9999999999.99999999'],
    [-5n, '-0.00000005'],
  ])('formats %s as %s', (units, text) => {
    expect(formatUnits(units)).toBe(text);
  });

  it('formats and reads back every positive price exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_UNITS }), (u) => {
        const text = formatUnits(u);
        expect(text).toMatch(/^\d{1,10}\.\d{8}$/);
        expect(parseUnits(text)).toBe(u);
      }),
    );
  });
});
