import { describe, expect, it } from 'vitest';
import { parseRoute } from './router.js';
import { ageText, signOf } from './ui/format.js';
import { equityRange } from './views/equity-chart.js';
import { ROW_PX, visibleRange, WINDOW_FROM } from './views/table-window.js';

describe('the sign of a decimal, read from its text', () => {
  it.each([
    ['725.00000000', 'pos'],
    ['-0.00000001', 'neg'],
    ['0.00000000', 'zero'],
    ['-0.00000000', 'zero'],
    ['0', 'zero'],
    [null, 'zero'],
    ['10.5', 'pos'],
  ] as const)('%s is %s', (value, sign) => {
    expect(signOf(value)).toBe(sign);
  });
});

describe('the age of a mark', () => {
  const now = Date.parse('2026-11-30T12:00:00.000Z');
  it.each([
    [null, 'never'],
    ['2026-11-30T12:00:00.000Z', '0 s'],
    ['2026-11-30T11:59:00.001Z', '59 s'],
    ['2026-11-30T11:59:00.000Z', '1 min'],
    ['2026-11-30T11:00:00.001Z', '59 min'],
    ['2026-11-30T10:00:00.000Z', '2 h'],
    ['2026-11-27T12:00:00.000Z', '3 d'],
    // A mark stamped a moment ahead of this clock reads as fresh, never negative.
    ['2026-11-30T12:00:05.000Z', '0 s'],
  ])('%s → %s', (iso, text) => {
    expect(ageText(iso, now)).toBe(text);
  });
});

describe('routes', () => {
  const id = '2F6C1C1E-8A55-4B8E-9D43-0B1F1C7A9E10';
  it.each([
    ['', { view: 'campaigns' }],
    ['#/campaigns', { view: 'campaigns' }],
    [`#/campaigns/${id}`, { view: 'campaign', id: id.toLowerCase() }],
    ['#/campaigns/not-a-uuid', { view: 'campaigns' }],
    ['#/stats', { view: 'stats' }],
    ['#/account', { view: 'account' }],
    ['#/anything-else', { view: 'campaigns' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });
});

describe('the equity range of a campaign: the finest interval within 1,000 buckets', () => {
  const now = Date.parse('2026-11-30T12:00:00.000Z');
  it('minutes for a campaign younger than 999 minutes, from its creation', () => {
    expect(equityRange('2026-11-30T00:00:00.000Z', now)).toEqual({ from: '2026-11-30T00:00:00.000Z', interval: '1m' });
  });
  it('hours for one younger than 999 hours', () => {
    expect(equityRange('2026-11-29T00:00:00.000Z', now)).toEqual({ from: '2026-11-29T00:00:00.000Z', interval: '1h' });
  });
  it('days for an older one, from at most 999 days ago', () => {
    expect(equityRange('2026-01-01T00:00:00.000Z', now)).toEqual({ from: '2026-01-01T00:00:00.000Z', interval: '1d' });
    expect(equityRange('2020-01-01T00:00:00.000Z', now)).toEqual({ from: '2024-03-06T12:00:00.000Z', interval: '1d' });
  });
});

describe('the rows of the positions table that exist', () => {
  it('every row of a table up to the window size', () => {
    expect(visibleRange(WINDOW_FROM, 5000, 700)).toEqual([0, WINDOW_FROM]);
  });
  it('the rows in view and ten beyond each edge of a large one', () => {
    expect(visibleRange(1000, 0, 700)).toEqual([0, Math.ceil(700 / ROW_PX) + 20]);
    expect(visibleRange(1000, 100 * ROW_PX, 700)).toEqual([90, 90 + Math.ceil(700 / ROW_PX) + 20]);
  });
  it('never past the last row', () => {
    expect(visibleRange(1000, 995 * ROW_PX, 700)).toEqual([985, 1000]);
  });
});
