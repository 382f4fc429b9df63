import { describe, expect, it } from 'vitest';
import type { OpenMarkRow } from './marks.repository.js';
import { byEntryDate, OpenBook, type OpenCampaign, openPosition } from './open-book.js';

const row = (id: string, entryDate: string, over: Partial<OpenMarkRow> = {}): OpenMarkRow => ({
  id,
  campaign_id: 'c',
  symbol: 'S',
  entry_date: entryDate,
  entry_price: '100.00000000',
  open_shares: '2.50000000',
  risk: '12.50000000',
  realized_pnl: '3.00000000',
  fees: '0.75000000',
  initial_risk: '12.50000000',
  initial_stop: '95.00000000',
  current_price: '100.00000000',
  current_pnl: '0.00000000',
  marked_at: null,
  max_favorable_price: '100.00000000',
  max_adverse_price: '100.00000000',
  stop_breached_at: null,
  stop_breach_price: null,
  updated_at: '2026-01-05 12:00:00+00',
  ...over,
});

/** A campaign of `n` positions. */
const campaign = (n: number): OpenCampaign => ({
  positions: Array.from({ length: n }, (_, i) => openPosition(row(`p${i}`, '2026-01-05 12:00:00+00'))),
  sums: undefined,
});

describe('OpenBook', () => {
  it('gives a campaign back at the seq it was stored at, and forgets it at any other', () => {
    const book = new OpenBook(100);
    const a = campaign(2);
    book.put('a', '7', a);
    expect(book.get('a', 7)).toBe(a);
    expect(book.get('a', '8')).toBeUndefined();
    // A stale entry is gone, not kept for a later seq.
    expect(book.get('a', '7')).toBeUndefined();
    expect(book.size).toBe(0);
  });

  it('keeps the entry of the later seq when an earlier one comes after it', () => {
    const book = new OpenBook(100);
    const later = campaign(1);
    book.put('a', 9, later);
    book.put('a', 8, campaign(3));
    expect(book.get('a', 9)).toBe(later);
    expect(book.size).toBe(1);
  });

  it('holds at most maxPositions positions, forgetting the campaigns used least recently', () => {
    const book = new OpenBook(5);
    book.put('a', 1, campaign(2));
    book.put('b', 1, campaign(2));
    expect(book.get('a', 1)).toBeDefined();
    book.put('c', 1, campaign(2));
    // b was used least recently: it goes, a (read after b was stored) stays.
    expect(book.get('b', 1)).toBeUndefined();
    expect(book.get('a', 1)).toBeDefined();
    expect(book.get('c', 1)).toBeDefined();
    expect(book.size).toBe(4);
    // A campaign larger than the whole book is not kept, and drops its older entry.
    book.put('a', 2, campaign(6));
    expect(book.get('a', 2)).toBeUndefined();
    expect(book.size).toBe(2);
  });
});

describe('openPosition', () => {
  it('computes once the figures no mark changes, in units of 10⁻⁸', () => {
    const o = openPosition(row('p', '2026-01-05 12:00:00.25+00'));
    expect(o.entryTs).toBe('2026-01-05T12:00:00.250Z');
    expect(o.entryUnits).toBe(10_000_000_000n);
    expect(o.sharesUnits).toBe(250_000_000n);
    expect(o.riskUnits).toBe(1_250_000_000n);
    // realized 3 less fees 0.75
    expect(o.settledUnits).toBe(225_000_000n);
    expect(openPosition(row('q', '2026-01-05 12:00:00+00', { realized_pnl: null })).settledUnits).toBe(-75_000_000n);
  });

  it('orders positions by entry date, then id', () => {
    const list = [
      openPosition(row('b', '2026-01-05 12:00:01+00')),
      openPosition(row('c', '2026-01-05 12:00:00+00')),
      openPosition(row('a', '2026-01-05 12:00:01+00')),
    ];
    expect(list.sort(byEntryDate).map((o) => o.row.id)).toEqual(['c', 'a', 'b']);
  });
});
