import { describe, expect, it } from 'vitest';
import {
  isPatternType,
  isSide,
  isTimeframe,
  normalizeSymbol,
  PATTERN_TYPES,
  PATTERNS_BY_SIDE,
  patternAllowed,
  SYMBOL_PATTERN,
} from './model.js';

describe('patterns by side', () => {
  it('allows SPRING, SOS, LPS in LONG and UTAD, SOW, LPSY in SHORT', () => {
    expect(PATTERNS_BY_SIDE.LONG).toEqual(['SPRING', 'SOS', 'LPS']);
    expect(PATTERNS_BY_SIDE.SHORT).toEqual(['UTAD', 'SOW', 'LPSY']);
  });

  it('splits every pattern into exactly one side', () => {
    for (const p of PATTERN_TYPES) {
      expect([patternAllowed('LONG', p), patternAllowed('SHORT', p)].filter(Boolean)).toHaveLength(1);
    }
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(PATTERNS_BY_SIDE)).toBe(true);
    expect(Object.isFrozen(PATTERNS_BY_SIDE.LONG)).toBe(true);
  });
});

describe('symbols', () => {
  it.each([
    ['gbpusd', 'GBPUSD'],
    ['brk.b', 'BRK.B'],
    ['eur/usd', 'EUR/USD'],
    ['NASDAQ:aapl', 'NASDAQ:AAPL'],
    ['es_f-1', 'ES_F-1'],
  ])('%s normalizes to the valid %s', (raw, expected) => {
    expect(normalizeSymbol(raw)).toBe(expected);
    expect(SYMBOL_PATTERN.test(normalizeSymbol(raw))).toBe(true);
  });

  it.each(['', 'A'.repeat(33), 'AA PL', 'AAPL$', 'ıbm', 'ſpy', 'straße', 'ÄPFEL', ' AAPL'])('%j is not a valid symbol', (raw) => {
    expect(SYMBOL_PATTERN.test(normalizeSymbol(raw))).toBe(false);
  });

  it('accepts 32 characters', () => {
    expect(SYMBOL_PATTERN.test('A'.repeat(32))).toBe(true);
  });
});

describe('guards', () => {
  it('recognise the enumerations and nothing else', () => {
    expect(isSide('LONG') && isSide('SHORT')).toBe(true);
    expect(isSide('long') || isSide(1)).toBe(false);
    expect(isPatternType('LPSY') && !isPatternType('SPRINGS')).toBe(true);
    expect(isTimeframe('4h') && !isTimeframe('2h') && !isTimeframe(undefined)).toBe(true);
  });
});
