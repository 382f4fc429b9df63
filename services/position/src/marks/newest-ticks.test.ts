import type { TickEnvelope } from '@cpt/contracts';
import type { Decoded } from '@cpt/messaging';
import { describe, expect, it } from 'vitest';
import { newestTicks } from './newest-ticks.js';

let offset = 0;
const tick = (symbol: string, price: string, ts: string): Decoded<TickEnvelope> => ({
  value: { v: 1, symbol, price, ts, source: 'test', ingested_at: '2026-11-25T14:00:00.000Z' },
  requestId: `r${offset}`,
  offset: String(offset++),
});

describe('newestTicks', () => {
  it('keeps the newest tick of each symbol, whatever the order they came in', () => {
    const a1 = tick('AAA', '1.00000000', '2026-11-25T14:00:01.000Z');
    const a2 = tick('AAA', '2.00000000', '2026-11-25T14:00:03.000Z');
    const a3 = tick('AAA', '3.00000000', '2026-11-25T14:00:02.999Z');
    const b1 = tick('BBB', '4.00000000', '2026-11-25T13:59:59.999Z');
    expect(newestTicks([a1, b1, a2, a3])).toEqual([a2, b1]);
  });

  it('lets the later of two ticks with the same time win, as markPositions does', () => {
    const first = tick('AAA', '1.00000000', '2026-11-25T14:00:01.000Z');
    const second = tick('AAA', '2.00000000', '2026-11-25T14:00:01.000Z');
    expect(newestTicks([first, second])).toEqual([second]);
  });

  it('orders times across days and years as text', () => {
    const late = tick('AAA', '1.00000000', '2027-01-01T00:00:00.000Z');
    const early = tick('AAA', '2.00000000', '2026-12-31T23:59:59.999Z');
    expect(newestTicks([late, early])).toEqual([late]);
  });
});
