import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvError, parseTicksCsv, splitCsvLine } from './csv-ticks.js';
import { checkReplayRows, shiftToNow } from './tick-sources.js';

describe('splitCsvLine', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    [' a , b ,c ', ['a', 'b', 'c']],
    ['a,,c', ['a', '', 'c']],
    ['"a,1",b', ['a,1', 'b']],
    ['"say ""hi""",b', ['say "hi"', 'b']],
    ['a,', ['a', '']],
  ])('%j', (line, fields) => {
    expect(splitCsvLine(line)).toEqual(fields);
  });

  it('refuses an unclosed quote', () => {
    expect(splitCsvLine('"a,b')).toBeNull();
  });
});

describe('parseTicksCsv', () => {
  it('reads rows in file order, keeping the text as written', () => {
    const rows = parseTicksCsv('symbol,price,ts\nGBPUSD,1.2575,2026-11-25T14:00:00Z\r\n\naapl,187.10,2026-11-25T14:00:01.5Z\n');
    expect(rows).toEqual([
      { symbol: 'GBPUSD', price: '1.2575', ts: '2026-11-25T14:00:00Z', line: 2 },
      { symbol: 'aapl', price: '187.10', ts: '2026-11-25T14:00:01.5Z', line: 4 },
    ]);
  });

  it('reads an optional source column, and a header in any case with a BOM', () => {
    const rows = parseTicksCsv('\uFEFFSymbol,Price,TS,Source\nX,1,2026-11-25T14:00:00Z,feed-b\nY,2,2026-11-25T14:00:00Z,\n');
    expect(rows).toEqual([
      { symbol: 'X', price: '1', ts: '2026-11-25T14:00:00Z', source: 'feed-b', line: 2 },
      { symbol: 'Y', price: '2', ts: '2026-11-25T14:00:00Z', line: 3 },
    ]);
  });

  it.each([
    ['an empty file', '', /empty/],
    ['another header', 'sym,px,time\n', /line 1: expected the header/],
    ['a short row', 'symbol,price,ts\nX,1\n', /line 2: expected 3 fields, found 2/],
    ['a long row', 'symbol,price,ts\n\nX,1,2026-11-25T14:00:00Z,extra\n', /line 3: expected 3 fields, found 4/],
    ['an unclosed quote', 'symbol,price,ts\n"X,1,2026-11-25T14:00:00Z\n', /line 2: a quoted field is not closed/],
  ])('names the line of %s', (_name, text, message) => {
    expect(() => parseTicksCsv(text)).toThrow(CsvError);
    expect(() => parseTicksCsv(text)).toThrow(message);
  });
});

describe('checkReplayRows', () => {
  it('passes valid rows', () => {
    expect(() => checkReplayRows(parseTicksCsv('symbol,price,ts\nX,1.5,2026-11-25T14:00:00+01:00\n'))).not.toThrow();
  });

  it('names the line and field of every invalid row', () => {
    const rows = parseTicksCsv('symbol,price,ts\nX,1.5,2026-11-25T14:00:00Z\nX,1e5,2026-11-25T14:00:00Z\nX,1,2026-11-25T14:00:00\n');
    expect(() => checkReplayRows(rows)).toThrow(/^line 3: price: .*\nline 4: ts: /);
  });

  it('refuses a file without ticks', () => {
    expect(() => checkReplayRows(parseTicksCsv('symbol,price,ts\n'))).toThrow('the file has no ticks');
  });
});

describe('the sample file', () => {
  const text = readFileSync(new URL('../../fixtures/sample-ticks.csv', import.meta.url), 'utf8');

  it('holds valid GBPUSD and AAPL ticks in time order', () => {
    const rows = parseTicksCsv(text);
    expect(rows.length).toBeGreaterThanOrEqual(40);
    checkReplayRows(rows);
    expect(new Set(rows.map((r) => r.symbol))).toEqual(new Set(['GBPUSD', 'AAPL']));
    const times = rows.map((r) => Date.parse(r.ts));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(rows.every((r) => r.ts.endsWith('Z'))).toBe(true);
  });
});

describe('shiftToNow', () => {
  it('moves every row by one amount so that the latest is dated now, whatever its offset', () => {
    const rows = parseTicksCsv(
      'symbol,price,ts\nGBPUSD,1.2575,2026-11-25T14:30:01Z\nAAPL,187,2026-11-25T15:30:00.500+01:00\nGBPUSD,1.2576,2026-11-25T14:30:02Z\n',
    );
    const { rows: moved, shiftMs } = shiftToNow(rows, new Date('2026-11-30T08:00:00.000Z'));
    expect(moved.map((r) => [r.symbol, r.price, r.ts, r.line])).toEqual([
      ['GBPUSD', '1.2575', '2026-11-30T07:59:59.000Z', 2],
      ['AAPL', '187', '2026-11-30T07:59:58.500Z', 3],
      ['GBPUSD', '1.2576', '2026-11-30T08:00:00.000Z', 4],
    ]);
    expect(shiftMs).toBe(Date.parse('2026-11-30T08:00:00Z') - Date.parse('2026-11-25T14:30:02Z'));
  });

  it('makes the sample file end now', () => {
    const rows = parseTicksCsv(readFileSync(new URL('../../fixtures/sample-ticks.csv', import.meta.url), 'utf8'));
    const now = new Date();
    const moved = shiftToNow(rows, now).rows;
    expect(moved.at(-1)?.ts).toBe(now.toISOString());
    expect(() => checkReplayRows(moved)).not.toThrow();
  });
});
