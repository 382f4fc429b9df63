import { describe, expect, it } from 'vitest';
import { conflictOf, issuesOf, LONG_CAMPAIGN, longInput, NOW, SHORT_CAMPAIGN } from '../test/rules.js';
import { dec, fmt8 } from './decimal.js';
import { VersionConflictError } from './errors.js';
import type { Timeframe } from './model.js';
import { checkIfMatch, closeCampaignRule, openPosition } from './rules.js';

const at = (ms: number): Date => new Date(NOW.getTime() + ms);

describe('openPosition', () => {
  it('opens at the entry price with zero P&L and fills the defaults from the campaign', () => {
    const p = openPosition(LONG_CAMPAIGN, longInput(), NOW);
    expect({
      ...p,
      entryPrice: fmt8(p.entryPrice),
      shares: fmt8(p.shares),
      stopLoss: fmt8(p.stopLoss),
      currentPrice: fmt8(p.currentPrice),
      currentPnl: fmt8(p.currentPnl),
      risk: fmt8(p.risk),
      entryFee: fmt8(p.entryFee),
      initialStop: fmt8(p.initialStop),
      initialRisk: fmt8(p.initialRisk),
      maxFavorablePrice: fmt8(p.maxFavorablePrice),
      maxAdversePrice: fmt8(p.maxAdversePrice),
    }).toEqual({
      patternType: 'SPRING',
      symbol: 'GBPUSD',
      timeframe: '1h',
      signalId: null,
      entryDate: NOW,
      entryPrice: '1.25000000',
      shares: '8000.00000000',
      stopLoss: '1.24500000',
      currentPrice: '1.25000000',
      currentPnl: '0.00000000',
      risk: '40.00000000',
      entryFee: '0.00000000',
      initialStop: '1.24500000',
      initialRisk: '40.00000000',
      markedAt: null,
      stopBreach: null,
      maxFavorablePrice: '1.25000000',
      maxAdversePrice: '1.25000000',
    });
  });

  it('is marked at once by its symbol’s mark when that mark is not before its entry, excursions from it (sections 6, 9)', () => {
    const mark = { price: dec('1.25750000'), ts: new Date(NOW.getTime() + 1000) };
    const p = openPosition(LONG_CAMPAIGN, longInput(), NOW, mark);
    // (1.2575 − 1.25) × 8000 = 60.
    expect([fmt8(p.currentPrice), fmt8(p.currentPnl), p.markedAt, fmt8(p.maxFavorablePrice), fmt8(p.maxAdversePrice)]).toEqual([
      '1.25750000',
      '60.00000000',
      mark.ts,
      '1.25750000',
      '1.25000000',
    ]);
    // A mark before the entry does not reach it.
    const early = openPosition(LONG_CAMPAIGN, longInput(), NOW, { ...mark, ts: new Date(NOW.getTime() - 1) });
    expect([fmt8(early.currentPrice), early.markedAt, fmt8(early.maxAdversePrice)]).toEqual(['1.25000000', null, '1.25000000']);
    expect([p.stopBreach, early.stopBreach]).toEqual([null, null]);
  });

  it('is breached at once by a mark at or through its stop (section 8), and not by a mark before its entry', () => {
    const ts = new Date(NOW.getTime() + 1000);
    // LONG stop 1.245: a mark at the stop breaches it, as does one below; SHORT mirrored.
    for (const price of ['1.245', '1.2']) {
      const p = openPosition(LONG_CAMPAIGN, longInput(), NOW, { price: dec(price), ts });
      expect([p.stopBreach?.at, fmt8(p.stopBreach?.price ?? dec('0'))]).toEqual([ts, fmt8(dec(price))]);
    }
    expect(openPosition(LONG_CAMPAIGN, longInput(), NOW, { price: dec('1.24500001'), ts }).stopBreach).toBeNull();
    const short = (price: string, at: Date) =>
      openPosition(SHORT_CAMPAIGN, longInput({ patternType: 'UTAD', stopLoss: dec('1.2575') }), NOW, { price: dec(price), ts: at });
    expect(short('1.2575', ts).stopBreach).toEqual({ at: ts, price: dec('1.2575') });
    expect(short('1.25749999', ts).stopBreach).toBeNull();
    expect(short('1.3', new Date(NOW.getTime() - 1)).stopBreach).toBeNull();
  });

  it('keeps the entry fee and the stop and risk at entry', () => {
    const p = openPosition(LONG_CAMPAIGN, longInput({ entryFee: dec('4.95') }), NOW);
    expect([fmt8(p.entryFee), fmt8(p.initialStop), fmt8(p.initialRisk)]).toEqual(['4.95000000', '1.24500000', '40.00000000']);
    const short = openPosition(SHORT_CAMPAIGN, longInput({ patternType: 'UTAD', stopLoss: dec('1.2575'), entryFee: dec('0') }), NOW);
    expect([fmt8(short.entryFee), fmt8(short.initialStop), fmt8(short.initialRisk)]).toEqual(['0.00000000', '1.25750000', '60.00000000']);
  });

  it.each([
    ['-0.01', 'must be 0 or greater'],
    ['10000000000', 'at most 10 integer and 8 fractional digits'],
    ['0.000000001', 'at most 10 integer and 8 fractional digits'],
  ])('refuses an entry fee of %s', (fee, message) => {
    expect(issuesOf(() => openPosition(LONG_CAMPAIGN, longInput({ entryFee: dec(fee) }), NOW))).toEqual([{ path: 'entry_fee', message }]);
  });

  it('keeps the given entry date, signal, timeframe and a symbol written in lower case', () => {
    const entryDate = new Date('2026-11-20T09:30:00.000Z');
    const p = openPosition(LONG_CAMPAIGN, longInput({ entryDate, signalId: 's-1', symbol: 'gbpusd', timeframe: '15m' }), NOW);
    expect([p.entryDate, p.signalId, p.symbol, p.timeframe]).toEqual([entryDate, 's-1', 'GBPUSD', '15m']);
  });

  it('opens a SHORT position with its stop above the entry', () => {
    const p = openPosition(SHORT_CAMPAIGN, longInput({ patternType: 'UTAD', stopLoss: dec('1.2575') }), NOW);
    expect(fmt8(p.risk)).toBe('60.00000000');
  });

  it('refuses a closed campaign before looking at the body', () => {
    const closed = { ...LONG_CAMPAIGN, status: 'CLOSED' as const };
    expect(conflictOf(() => openPosition(closed, longInput({ shares: dec('0') }), NOW))).toBe('campaign is closed');
  });

  it.each([
    [LONG_CAMPAIGN, 'UTAD', 'must be SPRING, SOS or LPS in a LONG campaign'],
    [LONG_CAMPAIGN, 'LPSY', 'must be SPRING, SOS or LPS in a LONG campaign'],
    [SHORT_CAMPAIGN, 'SPRING', 'must be UTAD, SOW or LPSY in a SHORT campaign'],
  ] as const)('refuses a pattern of the other side (%#)', (campaign, patternType, message) => {
    const stopLoss = dec(campaign.side === 'LONG' ? '1.245' : '1.255');
    expect(issuesOf(() => openPosition(campaign, longInput({ patternType, stopLoss }), NOW))).toEqual([{ path: 'pattern_type', message }]);
  });

  it.each(['0', '-1', '-0.00000001'])('requires entry_price, shares and stop_loss > 0 (%s)', (v) => {
    const bad = dec(v);
    expect(issuesOf(() => openPosition(LONG_CAMPAIGN, longInput({ entryPrice: bad, shares: bad, stopLoss: bad }), NOW))).toEqual([
      { path: 'entry_price', message: 'must be greater than 0' },
      { path: 'shares', message: 'must be greater than 0' },
      { path: 'stop_loss', message: 'must be greater than 0' },
    ]);
  });

  it('requires amounts to fit NUMERIC(18,8)', () => {
    const issues = issuesOf(() =>
      openPosition(LONG_CAMPAIGN, longInput({ entryPrice: dec('1.123456789'), shares: dec('10000000000') }), NOW),
    );
    expect(issues).toEqual([
      { path: 'entry_price', message: 'at most 10 integer and 8 fractional digits' },
      { path: 'shares', message: 'at most 10 integer and 8 fractional digits' },
    ]);
  });

  it.each([
    ['LONG', '1.25', 'must be below entry_price in a LONG campaign'],
    ['LONG', '1.25000001', 'must be below entry_price in a LONG campaign'],
    ['SHORT', '1.25', 'must be above entry_price in a SHORT campaign'],
    ['SHORT', '1.24999999', 'must be above entry_price in a SHORT campaign'],
  ] as const)('requires a %s stop on the protective side (stop %s)', (side, stop, message) => {
    const campaign = side === 'LONG' ? LONG_CAMPAIGN : SHORT_CAMPAIGN;
    const patternType = side === 'LONG' ? 'SOS' : 'SOW';
    expect(issuesOf(() => openPosition(campaign, longInput({ patternType, stopLoss: dec(stop) }), NOW))).toEqual([
      { path: 'stop_loss', message },
    ]);
  });

  it('accepts an entry date up to exactly 60 s ahead and refuses anything later', () => {
    expect(openPosition(LONG_CAMPAIGN, longInput({ entryDate: at(60_000) }), NOW).entryDate).toEqual(at(60_000));
    expect(issuesOf(() => openPosition(LONG_CAMPAIGN, longInput({ entryDate: at(60_001) }), NOW))).toEqual([
      { path: 'entry_date', message: 'may not be more than 60 s in the future' },
    ]);
    expect(issuesOf(() => openPosition(LONG_CAMPAIGN, longInput({ entryDate: new Date('x') }), NOW))).toEqual([
      { path: 'entry_date', message: 'must be a valid timestamp' },
    ]);
  });

  it('refuses another symbol and an unknown timeframe', () => {
    const timeframe = '2h' as Timeframe;
    expect(issuesOf(() => openPosition(LONG_CAMPAIGN, longInput({ symbol: 'EURUSD', timeframe }), NOW))).toEqual([
      { path: 'symbol', message: "must equal the campaign's symbol GBPUSD" },
      { path: 'timeframe', message: 'must be one of 1m 5m 15m 30m 1h 4h 1d 1w' },
    ]);
  });

  it('reports every broken rule at once', () => {
    const input = longInput({
      patternType: 'SOW',
      shares: dec('0'),
      stopLoss: dec('1.3'),
      entryDate: at(120_000),
      symbol: 'AAPL',
    });
    expect(issuesOf(() => openPosition(LONG_CAMPAIGN, input, NOW)).map((i) => i.path)).toEqual([
      'pattern_type',
      'shares',
      'stop_loss',
      'entry_date',
      'symbol',
    ]);
  });

  it.each([
    ['LONG', '100000', '100000', '99999'],
    ['SHORT', '1', '1000000000', '100'],
  ] as const)('refuses a %s position whose figures overflow NUMERIC(18,8) (%s x %s, %s)', (side, entry, shares, stop) => {
    const campaign = side === 'LONG' ? LONG_CAMPAIGN : SHORT_CAMPAIGN;
    const input = longInput({
      patternType: side === 'LONG' ? 'LPS' : 'LPSY',
      entryPrice: dec(entry),
      shares: dec(shares),
      stopLoss: dec(stop),
    });
    expect(issuesOf(() => openPosition(campaign, input, NOW))).toEqual([
      { path: 'shares', message: 'position is too large: its value or risk exceeds 9999999999.99999999' },
    ]);
  });

  it('accepts a position at the NUMERIC(18,8) limit', () => {
    const input = longInput({ entryPrice: dec('9999999999.99999999'), shares: dec('1'), stopLoss: dec('0.00000001') });
    expect(fmt8(openPosition(LONG_CAMPAIGN, input, NOW).risk)).toBe('9999999999.99999998');
  });
});

describe('closeCampaignRule', () => {
  it('closes a campaign without open positions', () => {
    expect(() => closeCampaignRule(LONG_CAMPAIGN, 0)).not.toThrow();
  });

  it.each([
    [1, 'campaign has 1 open position'],
    [3, 'campaign has 3 open positions'],
  ])('refuses while %i positions are open', (n, message) => {
    expect(conflictOf(() => closeCampaignRule(LONG_CAMPAIGN, n))).toBe(message);
  });

  it('refuses a campaign that is already closed', () => {
    expect(conflictOf(() => closeCampaignRule({ ...LONG_CAMPAIGN, status: 'CLOSED' }, 0))).toBe('campaign is already closed');
  });
});

describe('checkIfMatch', () => {
  it('passes without If-Match or with the current version', () => {
    expect(() => checkIfMatch(3, undefined)).not.toThrow();
    expect(() => checkIfMatch(3, 3)).not.toThrow();
  });

  it.each([2, 4, 0])('refuses version %i when the campaign is at 3', (v) => {
    const run = () => checkIfMatch(3, v);
    expect(run).toThrow(VersionConflictError);
    try {
      run();
    } catch (e) {
      expect((e as VersionConflictError).details).toEqual({ current_version: 3 });
    }
  });
});
