import { describe, expect, it } from 'vitest';
import { utcMillis } from './timestamps.js';

describe('utcMillis', () => {
  it.each([
    ['2026-11-25 14:00:00+00', '2026-11-25T14:00:00.000Z'],
    ['2026-11-25 14:00:00.2+00', '2026-11-25T14:00:00.200Z'],
    ['2026-11-25 14:00:00.25+00', '2026-11-25T14:00:00.250Z'],
    ['2026-11-25 14:00:00.123+00', '2026-11-25T14:00:00.123Z'],
    ['2026-11-25 15:00:00.123+01', '2026-11-25T14:00:00.123Z'],
  ])('formats %s as %s', (text, iso) => {
    expect(utcMillis(text)).toBe(iso);
  });

  it('formats a Date', () => {
    expect(utcMillis(new Date(Date.UTC(2026, 10, 25, 14, 0, 0, 7)))).toBe('2026-11-25T14:00:00.007Z');
  });
});
