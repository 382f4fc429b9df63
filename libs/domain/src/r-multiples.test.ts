import { describe, expect, it } from 'vitest';
import { dec, fmt8 } from './decimal.js';
import { netPnl, rMultiple } from './r-multiples.js';

const r = (net: string, risk: string): string | null => {
  const x = rMultiple(dec(net), dec(risk));
  return x === null ? null : fmt8(x);
};

describe('netPnl', () => {
  it('adds the realized and the current P&L of an OPEN position and takes off its fees', () => {
    const open = { status: 'OPEN' as const, realizedPnl: dec('300'), currentPnl: dec('250'), fees: dec('2') };
    expect(fmt8(netPnl(open))).toBe('548.00000000');
  });

  it('counts a realized P&L that is null (no exit yet) as zero', () => {
    expect(fmt8(netPnl({ status: 'OPEN', realizedPnl: null, currentPnl: dec('725'), fees: dec('3.5') }))).toBe('721.50000000');
    expect(fmt8(netPnl({ status: 'CLOSED', realizedPnl: null, currentPnl: dec('9'), fees: dec('1') }))).toBe('-1.00000000');
  });

  it('takes a CLOSED position from its realized P&L alone, its current P&L being the same figure', () => {
    expect(fmt8(netPnl({ status: 'CLOSED', realizedPnl: dec('700'), currentPnl: dec('700'), fees: dec('3') }))).toBe('697.00000000');
  });

  it('is negative when the fees outweigh the gain, and exact to the last digit', () => {
    const p = { status: 'OPEN' as const, realizedPnl: dec('0.00000001'), currentPnl: dec('-0.00000002'), fees: dec('0.00000003') };
    expect(fmt8(netPnl(p))).toBe('-0.00000004');
    expect(fmt8(netPnl({ ...p, fees: dec('0') }))).toBe('-0.00000001');
  });
});

describe('rMultiple', () => {
  it('is null when the initial risk is zero, whatever the net P&L', () => {
    expect([r('0', '0'), r('100', '0'), r('-5', '0')]).toEqual([null, null, null]);
  });

  it('divides the net P&L by the initial risk', () => {
    expect([r('697', '200'), r('-200', '200'), r('0', '200'), r('1', '3'), r('2', '3'), r('-2', '3')]).toEqual([
      '3.48500000',
      '-1.00000000',
      '0.00000000',
      '0.33333333',
      '0.66666667',
      '-0.66666667',
    ]);
  });

  it.each([
    ['0.00000001', '2', '0.00000000'],
    ['0.00000003', '2', '0.00000002'],
    ['0.00000005', '2', '0.00000002'],
    ['0.00000007', '2', '0.00000004'],
    ['-0.00000003', '2', '-0.00000002'],
    ['-0.00000001', '2', '0.00000000'],
    ['1.00000001', '0.5', '2.00000002'],
  ])('rounds %s / %s half-even to %s', (net, risk, expected) => {
    expect(r(net, risk)).toBe(expected);
  });

  it('rounds once, from the exact quotient', () => {
    // 1.00000001 / 3 = 0.333333336666…: the exact quotient rounds up to …34.
    expect(r('1.00000001', '3')).toBe('0.33333334');
    // 0.99999999 / 0.99999998 = 1.00000001000000020000…
    expect(r('0.99999999', '0.99999998')).toBe('1.00000001');
  });

  it('never prints a negative zero', () => {
    const x = rMultiple(dec('-0.00000001'), dec('3'));
    expect(x?.isNegative()).toBe(false);
    expect(x === null ? null : x.toFixed(8)).toBe('0.00000000');
  });
});
