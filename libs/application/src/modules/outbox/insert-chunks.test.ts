import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insertChunks } from './outbox.repository.js';

const events = (sizes: readonly number[]) => sizes.map((n, i) => ({ id: i, payload: 'x'.repeat(n) }));

describe('insertChunks', () => {
  it('ends a statement once it holds the payload bound, or 1,000 events', () => {
    expect(insertChunks(events([40, 40, 40, 40, 40]), 100).map((c) => c.map((e) => e.id))).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(insertChunks(events([500, 1, 1]), 100).map((c) => c.length)).toEqual([1, 2]);
    expect(insertChunks(events(Array.from({ length: 2500 }, () => 1))).map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect(insertChunks([])).toEqual([]);
  });

  it('keeps every event once, in order, each statement within both bounds but for its last event', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 3000 }), fc.integer({ min: 1, max: 1000 }), (sizes, max) => {
        const chunks = insertChunks(events(sizes), max);
        expect(chunks.flat().map((e) => e.id)).toEqual(sizes.map((_, i) => i));
        for (const c of chunks) {
          expect(c.length).toBeGreaterThan(0);
          expect(c.length).toBeLessThanOrEqual(1000);
          const before = c.slice(0, -1).reduce((n, e) => n + e.payload.length, 0);
          expect(before).toBeLessThan(max);
        }
      }),
    );
  });
});
