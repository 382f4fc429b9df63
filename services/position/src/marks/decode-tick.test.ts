import { tickEnvelope } from '@cpt/contracts';
import { PoisonMessageError } from '@cpt/messaging';
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { decodeTick, plainEnvelope, realInstant } from './decode-tick.js';

const message = (value: string | null): KafkaMessage =>
  ({
    key: null,
    value: value === null ? null : Buffer.from(value),
    timestamp: '0',
    attributes: 0,
    offset: '0',
    headers: {},
  }) as KafkaMessage;

const TICK = {
  v: 1,
  symbol: 'GBPUSD',
  price: '1.25750000',
  ts: '2026-11-25T14:00:00.250Z',
  source: 'feed-a',
  ingested_at: '2026-11-25T14:00:00.300Z',
};

/** The instant check before this file had its own: a round trip through Date, and year 0 by name. */
const roundTrips = (ts: string): boolean => {
  const ms = Date.parse(ts);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === ts && !ts.startsWith('0000');
};

const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
/** Any text of the schema's instant format, real or not (2026-02-30, 24:00, second 60, year 0). */
const shapedInstant = fc
  .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), digits(3))
  .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
/** Near the edges of the calendar, where most of the real and unreal instants are. */
const edgyInstant = fc
  .tuple(
    fc.constantFrom('0000', '0001', '1900', '2000', '2023', '2024', '2100', '9999'),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 22, max: 25 }),
    fc.integer({ min: 58, max: 61 }),
  )
  .map(
    ([y, mo, d, h, m]) =>
      `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(m).padStart(2, '0')}.999Z`,
  );

/** Values near the shape price-ingest writes: each field mostly right, else missing, of another type or format. */
const field = <T>(right: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 12, arbitrary: right },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.string(), fc.constant(['1'])) },
  );
const mostly = <T>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: wrong });
const nearTick = fc.record(
  {
    v: field(mostly(fc.constant<unknown>(1), fc.constantFrom<unknown>(2, '1', 1.5))),
    symbol: field(fc.oneof(fc.string({ minLength: 0, maxLength: 34 }), fc.constantFrom('GBPUSD', 'é'.repeat(32), 'x'.repeat(33)))),
    price: field(
      mostly(
        fc.constantFrom('1.25750000', '-1.00000000', '0.00000000', '12345678901.00000000'),
        fc.oneof(fc.constantFrom('1.2575', '1e5', '1.123456789', '+1.00000000'), fc.string()),
      ),
    ),
    ts: field(mostly(shapedInstant, fc.constantFrom('2026-11-25T14:00:00Z', '2026-11-25T14:00:00.250+00:00', '2026-11-25t14:00:00.250z'))),
    source: field(fc.string()),
    ingested_at: field(mostly(shapedInstant, fc.string())),
    extra: fc.option(fc.string(), { nil: undefined }),
  },
  { requiredKeys: ['v', 'symbol', 'price', 'ts', 'source', 'ingested_at'] },
);

describe('plainEnvelope', () => {
  it('gives what the schema gives for the shape price-ingest writes, extra fields left out', () => {
    expect(plainEnvelope({ ...TICK, extra: 'x' })).toEqual(TICK);
    expect(plainEnvelope({ ...TICK, extra: 'x' })).toEqual(tickEnvelope.parse({ ...TICK, extra: 'x' }));
  });

  it('accepts only what the schema accepts, with the same result (fast-check)', () => {
    let taken = 0;
    let refused = 0;
    fc.assert(
      fc.property(nearTick, (value) => {
        const plain = plainEnvelope(value);
        const schema = tickEnvelope.safeParse(value);
        if (plain === undefined) return;
        taken++;
        expect(schema.success).toBe(true);
        expect(plain).toEqual(schema.data);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(nearTick, (value) => {
        if (!tickEnvelope.safeParse(value).success) refused++;
      }),
      { numRuns: 1000 },
    );
    // The values drawn reach both sides: the fast path's answers and the schema's refusals.
    expect(taken).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  }, 60_000);

  it('leaves anything else to the schema', () => {
    for (const v of [
      null,
      1,
      'x',
      [TICK],
      { ...TICK, v: 2 },
      { ...TICK, price: 1.2575 },
      { ...TICK, ts: '2026-11-25T14:00:00Z' },
      { ...TICK, symbol: '' },
    ]) {
      expect(plainEnvelope(v)).toBeUndefined();
    }
  });
});

describe('realInstant', () => {
  it.each([
    ['2026-11-25T14:00:00.250Z', true],
    ['2024-02-29T23:59:59.999Z', true],
    ['2023-02-29T00:00:00.000Z', false],
    ['2100-02-29T00:00:00.000Z', false],
    ['2000-02-29T00:00:00.000Z', true],
    ['2026-04-31T00:00:00.000Z', false],
    ['2026-11-25T24:00:00.000Z', false],
    ['2026-11-25T14:60:00.000Z', false],
    ['2026-11-25T14:00:60.000Z', false],
    ['2026-00-10T00:00:00.000Z', false],
    ['2026-13-10T00:00:00.000Z', false],
    ['2026-11-00T00:00:00.000Z', false],
    ['0000-01-01T00:00:00.000Z', false],
    ['0001-01-01T00:00:00.000Z', true],
    ['9999-12-31T23:59:59.999Z', true],
  ])('%s is real: %s', (ts, real) => {
    expect(realInstant(ts)).toBe(real);
    expect(roundTrips(ts)).toBe(real);
  });

  it('agrees with a round trip through Date on every instant of the format (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(shapedInstant, edgyInstant), (ts) => {
        expect(realInstant(ts)).toBe(roundTrips(ts));
      }),
      { numRuns: 10000 },
    );
  }, 60_000);
});

describe('decodeTick', () => {
  it('decodes a tick as price-ingest writes it', () => {
    expect(decodeTick(message(JSON.stringify(TICK)))).toEqual(TICK);
  });

  it('decodes through the schema what the fast path leaves to it', () => {
    // Keys in another order and an unknown field: still a v1 tick.
    const value = JSON.stringify({
      extra: [1],
      ingested_at: TICK.ingested_at,
      source: 'feed-b',
      ts: TICK.ts,
      price: TICK.price,
      symbol: 'EURUSD',
      v: 1,
    });
    expect(decodeTick(message(value))).toEqual({ ...TICK, symbol: 'EURUSD', source: 'feed-b' });
  });

  it.each([
    [null, 'empty value'],
    ['', 'empty value'],
    ['{', 'value is not JSON'],
    [JSON.stringify({ ...TICK, v: 2 }), 'value is not a v1 tick: v: '],
    [JSON.stringify({ ...TICK, price: '1.2575' }), 'value is not a v1 tick: price: '],
    [JSON.stringify({ ...TICK, price: '0.00000000' }), 'price: must be greater than 0'],
    [JSON.stringify({ ...TICK, price: '-1.00000000' }), 'price: must be greater than 0'],
    [JSON.stringify({ ...TICK, price: '12345678901.00000000' }), 'price: must be greater than 0'],
    [JSON.stringify({ ...TICK, ts: '2026-02-30T00:00:00.000Z' }), 'ts: must be a real UTC instant'],
    [JSON.stringify({ ...TICK, ts: '0000-01-01T00:00:00.000Z' }), 'ts: must be a real UTC instant'],
  ])('refuses %j as poison: %s', (value, reason) => {
    expect(() => decodeTick(message(value))).toThrow(PoisonMessageError);
    expect(() => decodeTick(message(value))).toThrow(reason);
  });
});
