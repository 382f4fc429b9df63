import { describe, expect, it } from 'vitest';
import { MAX_UNITS } from './price-units.js';
import { createWalk, seededRandom } from './random-walk.js';

const walk = (seed: number, symbols = ['GBPUSD', 'AAPL'], start: [string, bigint][] = []) =>
  createWalk({ symbols, seed, startUnits: new Map(start) });
const take = (next: () => { symbol: string; price: string }, n: number) => Array.from({ length: n }, () => next());

describe('seededRandom', () => {
  it('gives the same 32-bit numbers for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(95);
  });

  it('pins the sequence, so a seed means the same walk in every version', () => {
    const r = seededRandom(1);
    expect([r(), r(), r()]).toEqual([2693262067, 11749833, 2265367787]);
  });
});

describe('createWalk', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(take(walk(7), 500)).toEqual(take(walk(7), 500));
    expect(take(walk(7), 50)).not.toEqual(take(walk(8), 50));
  });

  it('takes the symbols in turn and starts from 100 by default', () => {
    const ticks = take(walk(1, ['A', 'B', 'C']), 6);
    expect(ticks.map((t) => t.symbol)).toEqual(['A', 'B', 'C', 'A', 'B', 'C']);
    for (const t of ticks) expect(Math.abs(Number(t.price) - 100)).toBeLessThan(1);
  });

  it('starts each symbol from its own start price', () => {
    const [gbp, aapl] = take(walk(3, ['GBPUSD', 'AAPL'], [['GBPUSD', 125_750_000n]]), 2);
    expect(Math.abs(Number(gbp?.price) - 1.2575)).toBeLessThan(0.01);
    expect(Math.abs(Number(aapl?.price) - 100)).toBeLessThan(1);
  });

  it('writes every price as a contract decimal string, with exactly 8 digits', () => {
    for (const t of take(walk(11), 2000)) {
      expect(typeof t.price).toBe('string');
      expect(t.price).toMatch(/^\d{1,10}\.\d{8}$/);
    }
  });

  it('moves: consecutive prices of a symbol are mostly different', () => {
    const prices = take(walk(5, ['X']), 1000).map((t) => t.price);
    const moves = prices.filter((p, i) => i > 0 && p !== prices[i - 1]).length;
    expect(moves).toBeGreaterThan(900);
  });

  it('never goes below one unit nor above the contract maximum', () => {
    const low = take(createWalk({ symbols: ['LOW'], seed: 9, startUnits: new Map([['LOW', 1n]]), stepPpm: 500_000 }), 5000);
    expect(low.every((t) => t.price >= '0.00000001' && t.price !== '0.00000000')).toBe(true);
    const high = take(createWalk({ symbols: ['HIGH'], seed: 9, startUnits: new Map([['HIGH', MAX_UNITS]]), stepPpm: 500_000 }), 5000);
    expect(high.every((t) => t.price.length <= '9999999999.99999999'.length)).toBe(true);
    expect(high.some((t) => t.price === '9999999999.99999999')).toBe(true);
  });

  it('refuses a walk without symbols', () => {
    expect(() => createWalk({ symbols: [], seed: 1, startUnits: new Map() })).toThrow();
  });
});
