import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divHalfEven, fromUnits, priceUnits, sharesUnits, sideArb, unitsToText } from '../test/arbitraries.js';
import { dec, fmt8 } from './decimal.js';
import type { Side } from './model.js';
import { positionPnl, positionRisk } from './pnl.js';

const pnl = (side: Side, entry: string, shares: string, price: string): string =>
  fmt8(positionPnl(side, dec(entry), dec(shares), dec(price)));
const risk = (side: Side, entry: string, stop: string, shares: string): string =>
  fmt8(positionRisk(side, dec(entry), dec(stop), dec(shares)));

describe('positionPnl', () => {
  it.each<[Side, string, string, string, string]>([
    ['LONG', '150', '100', '155', '500.00000000'],
    ['LONG', '152', '75', '155', '225.00000000'],
    ['LONG', '150', '100', '158', '800.00000000'],
    ['LONG', '1.25', '8000', '1.2575', '60.00000000'],
    ['LONG', '1.2550', '6000', '1.2575', '15.00000000'],
    ['LONG', '1.26', '4000', '1.2575', '-10.00000000'],
    ['SHORT', '1.26', '4000', '1.2575', '10.00000000'],
    ['SHORT', '150', '100', '158', '-800.00000000'],
    ['LONG', '10', '3', '10', '0.00000000'],
    ['SHORT', '10', '3', '10', '0.00000000'],
  ])('%s %s x %s at %s = %s', (side, entry, shares, price, expected) => {
    expect(pnl(side, entry, shares, price)).toBe(expected);
  });

  // (price - entry) * shares = +-0.00000001 * shares: the 9th digit is an exact 5 when shares end in .5
  it.each<[Side, string, string]>([
    ['LONG', '0.5', '0.00000000'],
    ['LONG', '1.5', '0.00000002'],
    ['LONG', '2.5', '0.00000002'],
    ['LONG', '3.5', '0.00000004'],
    ['SHORT', '0.5', '0.00000000'],
    ['SHORT', '1.5', '-0.00000002'],
    ['SHORT', '2.5', '-0.00000002'],
    ['SHORT', '3.5', '-0.00000004'],
  ])('%s rounds a half at the 9th digit to even with %s shares: %s', (side, shares, expected) => {
    expect(pnl(side, '7.12345678', shares, '7.12345679')).toBe(expected);
  });

  it.each<[string, string]>([
    ['0.50000001', '0.00000001'],
    ['0.49999999', '0.00000000'],
  ])('rounds just past or short of a half by the rest of the product (%s shares)', (shares, expected) => {
    expect(pnl('LONG', '7.12345678', shares, '7.12345679')).toBe(expected);
  });

  it('computes the product exactly before rounding once', () => {
    expect(pnl('LONG', '0.00000001', '9999999999.99999999', '9999999999.99999999')).toBe('99999999999999999700.00000000');
    expect(pnl('LONG', '1.23456789', '0.12345678', '9.87654321')).toBe('1.06691045');
  });

  it('agrees with an integer oracle', () => {
    fc.assert(
      fc.property(sideArb, priceUnits, sharesUnits, priceUnits, (side, e, s, p) => {
        const move = side === 'LONG' ? p - e : e - p;
        const expected = unitsToText(divHalfEven(move * s, 10n ** 8n));
        expect(fmt8(positionPnl(side, fromUnits(e), fromUnits(s), fromUnits(p)))).toBe(expected);
      }),
    );
  });

  it('SHORT P&L is the negation of LONG P&L', () => {
    fc.assert(
      fc.property(priceUnits, sharesUnits, priceUnits, (e, s, p) => {
        const long = positionPnl('LONG', fromUnits(e), fromUnits(s), fromUnits(p));
        const short = positionPnl('SHORT', fromUnits(e), fromUnits(s), fromUnits(p));
        expect(fmt8(short)).toBe(fmt8(long.neg()));
      }),
    );
  });
});

describe('positionRisk', () => {
  it.each<[Side, string, string, string, string]>([
    ['LONG', '150', '148', '100', '200.00000000'],
    ['LONG', '1.25', '1.245', '8000', '40.00000000'],
    ['SHORT', '1.25', '1.255', '8000', '40.00000000'],
    ['LONG', '150', '151', '100', '-100.00000000'],
    ['SHORT', '150', '149', '100', '-100.00000000'],
    ['LONG', '150', '150', '100', '0.00000000'],
    ['LONG', '7.12345679', '7.12345678', '1.5', '0.00000002'],
    ['LONG', '7.12345679', '7.12345678', '2.5', '0.00000002'],
    ['SHORT', '7.12345679', '7.12345678', '2.5', '-0.00000002'],
    ['SHORT', '7.12345679', '7.12345678', '0.5', '0.00000000'],
  ])('%s entry %s stop %s x %s = %s', (side, entry, stop, shares, expected) => {
    expect(risk(side, entry, stop, shares)).toBe(expected);
  });

  it('has the sign of the stop side: positive when the stop protects, negative past the entry', () => {
    fc.assert(
      fc.property(sideArb, priceUnits, priceUnits, sharesUnits, (side, e, st, s) => {
        const r = positionRisk(side, fromUnits(e), fromUnits(st), fromUnits(s));
        const protective = side === 'LONG' ? st < e : st > e;
        if (protective) expect(r.gte(0)).toBe(true);
        else expect(r.lte(0)).toBe(true);
        // Only a risk within half a unit of zero may round to zero.
        const exact = (side === 'LONG' ? e - st : st - e) * s;
        const halfUnit = 10n ** 8n / 2n;
        expect(r.isZero()).toBe(exact >= -halfUnit && exact <= halfUnit);
      }),
    );
  });

  it('is the P&L lost if the stop is hit', () => {
    fc.assert(
      fc.property(sideArb, priceUnits, priceUnits, sharesUnits, (side, e, st, s) => {
        const r = positionRisk(side, fromUnits(e), fromUnits(st), fromUnits(s));
        const atStop = positionPnl(side, fromUnits(e), fromUnits(s), fromUnits(st));
        expect(fmt8(r)).toBe(fmt8(atStop.neg()));
      }),
    );
  });
});
