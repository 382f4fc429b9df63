import { NumberText, tickInput } from '@cpt/contracts';
import { fmt8 } from '@cpt/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastPrice, fastTick } from './fast-tick.js';

const INGESTED = '2026-11-25T14:00:01.000Z';

/** What the schema makes of a tick, as a `market.ticks` value; undefined when it rejects it. */
function viaSchema(item: unknown) {
  const r = tickInput.safeParse(item);
  if (!r.success) return undefined;
  const t = r.data;
  return { v: 1, symbol: t.symbol, price: fmt8(t.price), ts: t.ts.toISOString(), source: t.source, ingested_at: INGESTED };
}

describe('fastPrice', () => {
  it.each([
    ['1.2575', '1.25750000'],
    ['1', '1.00000000'],
    ['0.00000001', '0.00000001'],
    ['00001.5', '1.50000000'],
    ['9999999999.99999999', '9999999999.99999999'],
    ['0000000000009999999999', '9999999999.00000000'],
  ])('formats %j as %s', (raw, expected) => {
    expect(fastPrice(raw)).toBe(expected);
    expect(fastPrice(new NumberText(raw))).toBe(expected);
  });

  it.each(['0', '0.0', '000.00000000', '-1', '+1', '1e5', '1.', '.5', '1.123456789', '12345678901', '', ' 1', 'NaN'])(
    'leaves %j to the schema',
    (raw) => {
      expect(fastPrice(raw)).toBeUndefined();
    },
  );

  it('leaves JavaScript numbers to the schema', () => {
    expect(fastPrice(1.5)).toBeUndefined();
  });
});

describe('fastTick', () => {
  const tick = { symbol: 'gbpusd', price: '1.2575', ts: '2026-11-25T15:00:00.25+01:00', source: 'feed-a' };

  it('converts a plain tick exactly as the schema does', () => {
    expect(fastTick(tick, INGESTED)).toEqual({
      v: 1,
      symbol: 'GBPUSD',
      price: '1.25750000',
      ts: '2026-11-25T14:00:00.250Z',
      source: 'feed-a',
      ingested_at: INGESTED,
    });
    expect(fastTick(tick, INGESTED)).toEqual(viaSchema(tick));
  });

  it('defaults the source like the schema', () => {
    const { source: _, ...noSource } = tick;
    expect(fastTick(noSource, INGESTED)).toEqual(viaSchema(noSource));
    expect(fastTick(noSource, INGESTED)?.source).toBe('unspecified');
  });

  it.each([
    ['a class instance', new NumberText('1')],
    ['an array', [tick]],
    ['a non-ASCII symbol', { ...tick, symbol: 'ıbm' }],
    ['a numeric source', { ...tick, source: 5 }],
    ['an empty source', { ...tick, source: '' }],
    ['a null source', { ...tick, source: null }],
    ['a ts without offset', { ...tick, ts: '2026-11-25T14:00:00' }],
    ['a Date ts', { ...tick, ts: new Date() }],
  ])('leaves %s to the schema', (_name, item) => {
    expect(fastTick(item, INGESTED)).toBeUndefined();
  });

  const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  const priceText = fc.oneof(
    { arbitrary: fc.tuple(digits(1, 12), fc.option(digits(0, 10))).map(([i, f]) => (f === null ? i : `${i}.${f}`)), weight: 6 },
    fc.constantFrom('-1.5', '+2', '1e3', '1E-2', '', ' 1', '0', '0.0', 'Infinity', '.5', '5.'),
  );
  const anyPrice = fc.oneof(
    { arbitrary: priceText, weight: 3 },
    { arbitrary: priceText.map((t) => new NumberText(t)), weight: 3 },
    fc.double(),
    fc.constant(null),
  );
  const symbol = fc.oneof(
    {
      arbitrary: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789._:/-'), minLength: 0, maxLength: 34 }),
      weight: 8,
    },
    fc.constantFrom('ıbm', 'straße', 'GBP USD', 'ǆ'),
    fc.string(),
  );
  const ts = fc.oneof(
    {
      arbitrary: fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      weight: 6,
    },
    fc.constantFrom(
      '2026-11-25T15:00:00+01:00',
      '2026-11-25t14:00:00z',
      '2026-02-29T00:00:00Z',
      '2026-11-25T14:00:00',
      '2026-11-25 14:00:00Z',
      '2026-11-25T24:00:00Z',
    ),
    fc.string(),
  );
  const source = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: fc.string({ minLength: 0, maxLength: 70 }), weight: 3 },
    fc.integer(),
  );

  it('accepts only what the schema accepts, with the same result', () => {
    let fastOnes = 0;
    fc.assert(
      fc.property(symbol, anyPrice, ts, source, (s, p, t, src) => {
        const item: Record<string, unknown> = { symbol: s, price: p, ts: t };
        if (src !== undefined) item.source = src;
        const fast = fastTick(item, INGESTED);
        if (fast === undefined) return;
        fastOnes++;
        expect(fast).toEqual(viaSchema(item));
      }),
      { numRuns: 3000 },
    );
    // The comparison means something only when many generated ticks take the fast path.
    expect(fastOnes).toBeGreaterThan(150);
  });

  it('takes the fast path for every ordinary valid tick', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z0-9]{1,10}$/),
        fc.bigInt({ min: 1n, max: 10n ** 18n - 1n }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (s, units, d) => {
          const text = `${units / 10n ** 8n}.${(units % 10n ** 8n).toString().padStart(8, '0')}`;
          const item = { symbol: s, price: text, ts: d.toISOString() };
          const fast = fastTick(item, INGESTED);
          expect(fast).toBeDefined();
          expect(fast).toEqual(viaSchema(item));
        },
      ),
    );
  });
});
