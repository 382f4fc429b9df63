import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './primitives.js';

describe('parseTimestamp', () => {
  it.each([
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['2026-11-25T15:00:00.250+01:00', '2026-11-25T14:00:00.250Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['2023-02-29T00:00:00Z'],
    ['2100-02-29T00:00:00Z'],
    ['2026-04-31T00:00:00Z'],
    ['2026-13-01T00:00:00Z'],
    ['2026-00-10T00:00:00Z'],
    ['2026-11-00T00:00:00Z'],
    ['2026-11-25T24:00:00Z'],
    ['2026-11-25T23:60:00Z'],
    ['2026-11-25T23:59:60Z'],
    ['2026-11-25T14:00:00+24:00'],
    ['0001-01-01T00:30:00+01:00'],
    ['2026-11-25T14:00:00'],
  ])('refuses %s', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });

  it('takes a UTC instant of the years 0001–9999 exactly when Date writes it back unchanged', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const text = fc
      .tuple(fc.integer({ min: 1, max: 9999 }), two(13), two(32), two(25), two(61), two(61), fc.integer({ min: 0, max: 999 }))
      .map(([y, mo, d, h, mi, s, ms]) => `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}Z`);
    fc.assert(
      fc.property(text, (t) => {
        const ms = Date.parse(t);
        const real = !Number.isNaN(ms) && new Date(ms).toISOString() === t;
        expect(parseTimestamp(t)?.toISOString() ?? null).toBe(real ? t : null);
      }),
      { numRuns: 2000 },
    );
  });
});
