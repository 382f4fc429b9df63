import { MAX_TICKS_PER_REQUEST, NumberText } from '@cpt/contracts';
import { ValidationError } from '@cpt/domain';
import { describe, expect, it } from 'vitest';
import { TooManyTicksError, ticksFromBody } from './parse-ticks.js';

const NOW = new Date('2026-11-25T14:00:01Z');
const tick = (over: Record<string, unknown> = {}) => ({ symbol: 'gbpusd', price: '1.2575', ts: '2026-11-25T14:00:00Z', ...over });

function faults(body: unknown) {
  try {
    ticksFromBody(body, NOW);
  } catch (err) {
    if (err instanceof ValidationError) return err.details;
    throw err;
  }
  throw new Error('expected a validation error');
}

describe('ticksFromBody', () => {
  it('turns one tick into one market.ticks value', () => {
    expect(ticksFromBody(tick({ source: 'feed-a' }), NOW)).toEqual([
      {
        v: 1,
        symbol: 'GBPUSD',
        price: '1.25750000',
        ts: '2026-11-25T14:00:00.000Z',
        source: 'feed-a',
        ingested_at: '2026-11-25T14:00:01.000Z',
      },
    ]);
  });

  it('keeps the order of an array', () => {
    const out = ticksFromBody([tick({ price: '1' }), tick({ price: new NumberText('2.5') }), tick({ price: '3' })], NOW);
    expect(out.map((t) => t.price)).toEqual(['1.00000000', '2.50000000', '3.00000000']);
  });

  it('rejects the whole array and names every fault by index and field', () => {
    const body = [tick(), tick({ price: '1e5' }), tick(), tick({ ts: '2026-11-25T14:00:00', symbol: 'A B' })];
    expect(faults(body)).toEqual([
      { path: '[1].price', message: 'must be a decimal in plain notation' },
      { path: '[3].symbol', message: expect.any(String) },
      { path: '[3].ts', message: expect.any(String) },
    ]);
  });

  it('reports the same faults the schema reports for ticks off the fast path', () => {
    expect(faults([tick({ price: '-1' })])).toEqual([{ path: '[0].price', message: 'must be greater than 0' }]);
    expect(faults(tick({ price: '1.123456789' }))).toEqual([{ path: 'price', message: 'at most 8 fractional digits' }]);
  });

  it.each([
    ['a JSON number', new NumberText('42'), '[1]'],
    ['a string', 'GBPUSD', '[1]'],
    ['null', null, '[1]'],
    ['an array', [tick()], '[1]'],
  ])('calls %s in an array what it is: not a tick', (_name, item, path) => {
    expect(faults([tick(), item])).toEqual([{ path, message: 'must be a tick object' }]);
  });

  it('names a single non-tick body without an index', () => {
    expect(faults(new NumberText('42'))).toEqual([{ path: '', message: 'must be a tick object' }]);
  });

  it('rejects an empty array', () => {
    expect(faults([])).toEqual([{ path: '', message: 'at least one tick is required' }]);
  });

  it(`accepts ${MAX_TICKS_PER_REQUEST} ticks and refuses one more`, () => {
    const many = Array.from({ length: MAX_TICKS_PER_REQUEST }, () => tick());
    expect(ticksFromBody(many, NOW)).toHaveLength(MAX_TICKS_PER_REQUEST);
    expect(() => ticksFromBody([...many, tick()], NOW)).toThrow(TooManyTicksError);
  });

  it('stops at a thousand faults, the first ones in order', () => {
    const bad = Array.from({ length: MAX_TICKS_PER_REQUEST }, () => tick({ price: 'x', ts: 'y' }));
    const found = faults(bad);
    expect(found).toHaveLength(1000);
    expect(found.slice(0, 3).map((f) => f.path)).toEqual(['[0].price', '[0].ts', '[1].price']);
    expect(found.at(-1)?.path).toBe('[499].ts');
  });
});
