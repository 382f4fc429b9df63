import { D, type Dec, parseDecimalText } from '@cpt/domain';
import { z } from 'zod';

/**
 * The source text of a JSON number, kept by a lossless JSON parser so that a number such as
 * `1234567890.12345678` reaches validation with every digit it was written with.
 */
export class NumberText {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return this.text;
  }
}

function decimalFrom(raw: unknown): { ok: true; value: Dec } | { ok: false; message: string } {
  if (raw === undefined) return { ok: false, message: 'required' };
  if (typeof raw === 'string') return parseDecimalText(raw);
  if (raw instanceof NumberText) return parseDecimalText(raw.text);
  if (typeof raw === 'number') {
    // A number that already went through JSON.parse: only its shortest round-trip text is left.
    if (!Number.isFinite(raw)) return { ok: false, message: 'must be a finite decimal' };
    return parseDecimalText(String(raw));
  }
  return { ok: false, message: 'must be a decimal string or number' };
}

// Plain notation with at most 10 integer digits (after leading zeros) and 8 fractional digits.
const DECIMAL_TEXT = '^-?0*[0-9]{1,10}(\\.[0-9]{1,8})?$';
// The same, greater than zero: a non-zero integer part, or a zero one and a non-zero fraction.
const POSITIVE_FRACTIONS = Array.from({ length: 8 }, (_, zeros) => `${'0'.repeat(zeros)}[1-9][0-9]{0,${7 - zeros}}`).join('|');
const POSITIVE_DECIMAL_TEXT = `^(0*[1-9][0-9]{0,9}(\\.[0-9]{1,8})?|0+\\.(${POSITIVE_FRACTIONS}))$`;

type DecimalRange = 'any' | 'positive' | 'nonNegative' | 'percent';

// Plain notation, ≥ 0: no sign.
const NON_NEGATIVE_DECIMAL_TEXT = '^0*[0-9]{1,10}(\\.[0-9]{1,8})?$';
// Greater than 0 and at most 100.
const PERCENT_TEXT = `^(0*(100(\\.0{1,8})?|[1-9][0-9]?(\\.[0-9]{1,8})?)|0+\\.(${POSITIVE_FRACTIONS}))$`;

const RANGES: Record<DecimalRange, { text: string; pattern: string; number: Record<string, number | boolean> }> = {
  any: {
    text: 'between -9999999999.99999999 and 9999999999.99999999',
    pattern: DECIMAL_TEXT,
    number: { minimum: -10_000_000_000, exclusiveMinimum: true, maximum: 10_000_000_000, exclusiveMaximum: true },
  },
  positive: {
    text: 'greater than 0 and at most 9999999999.99999999',
    pattern: POSITIVE_DECIMAL_TEXT,
    number: { minimum: 0, exclusiveMinimum: true, maximum: 10_000_000_000, exclusiveMaximum: true },
  },
  nonNegative: {
    text: 'from 0 to 9999999999.99999999',
    pattern: NON_NEGATIVE_DECIMAL_TEXT,
    number: { minimum: 0, maximum: 10_000_000_000, exclusiveMaximum: true },
  },
  percent: {
    text: 'greater than 0 and at most 100',
    pattern: PERCENT_TEXT,
    number: { minimum: 0, exclusiveMinimum: true, maximum: 100 },
  },
};

/**
 * How a decimal input is documented (OpenAPI 3.0): a string in plain notation, or a JSON number.
 * JSON Schema cannot say how a number is written, so its branch states the bounds and the
 * description says that exponent notation is refused.
 */
function decimalDoc(range: DecimalRange) {
  const r = RANGES[range];
  return {
    description:
      `a decimal ${r.text}: a string in plain notation, or a JSON number written in plain notation; ` +
      'at most 10 integer and 8 fractional digits; exponent notation, NaN and infinities are refused',
    example: range === 'percent' ? '5.00' : '1.25750000',
    oneOf: [
      { type: 'string', pattern: r.pattern, example: range === 'percent' ? '5.00' : '1.2575' },
      { type: 'number', ...r.number, multipleOf: 0.00000001, example: range === 'percent' ? 5 : 1.2575 },
    ],
  };
}

/** A contract decimal on input: a JSON string or number in plain notation, within NUMERIC(18,8). */
export const decimalInput = z
  .custom<unknown>(() => true, { message: 'must be a decimal' })
  .transform((raw, ctx): Dec => {
    const r = decimalFrom(raw);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    }
    return r.value;
  })
  .meta(decimalDoc('any'));

/** A contract decimal strictly greater than zero. */
export const positiveDecimalInput = decimalInput.refine((d) => d.gt(0), { message: 'must be greater than 0' }).meta(decimalDoc('positive'));

/** A contract decimal ≥ 0 (a fee). */
export const nonNegativeDecimalInput = decimalInput
  .refine((d) => !d.lt(0), { message: 'must be 0 or greater' })
  .meta(decimalDoc('nonNegative'));

/** A percentage: a contract decimal greater than 0 and at most 100. */
export const percentInput = decimalInput
  .refine((d) => d.gt(0), { message: 'must be greater than 0' })
  .refine((d) => d.lte(100), { message: 'must be at most 100' })
  .meta(decimalDoc('percent'));

/** The text of a contract decimal on output: plain notation with exactly 8 fractional digits. */
export const DECIMAL_OUTPUT_TEXT = /^-?\d{1,}\.\d{8}$/;

/** A contract decimal on output ({@link DECIMAL_OUTPUT_TEXT}). */
export const decimalOutput = z.string().regex(DECIMAL_OUTPUT_TEXT).meta({ example: '150.85714286' });

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether the fields name a real day of the (proleptic Gregorian) calendar and a real time of it:
 * no 2026-02-30, no 24:00, no second 60. The year is not judged beyond its leap day.
 */
export function realCalendarTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number));
}

/**
 * Parses an RFC 3339 timestamp with an explicit offset; returns null when it is not one, or when
 * its instant falls outside the years 0001–9999 in UTC (what PostgreSQL stores).
 */
export function parseTimestamp(text: string): Date | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((s) => Number.parseInt(s ?? '', 10)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!realCalendarTime(year, month, day, hour, minute, second)) return null;
  const offset = m[8] ?? '';
  if (offset.length === 6) {
    const oh = Number.parseInt(offset.slice(1, 3), 10);
    const om = Number.parseInt(offset.slice(4, 6), 10);
    if (oh > 23 || om > 59) return null;
  }
  const ms = Date.parse(text.toUpperCase());
  if (Number.isNaN(ms)) return null;
  // PostgreSQL's range, judged in UTC: `0001-01-01T00:30:00+01:00` is year 0 there.
  const utcYear = new Date(ms).getUTCFullYear();
  return utcYear < 1 || utcYear > 9999 ? null : new Date(ms);
}

// What `parseTimestamp` accepts, as far as a pattern can say it (the days of each month are not).
const TIMESTAMP_TEXT =
  '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]' +
  '([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$';

/** RFC 3339 timestamp with an explicit offset, parsed to a Date (millisecond precision). */
export const timestampInput = z
  .string()
  .transform((s, ctx): Date => {
    const d = parseTimestamp(s);
    if (!d) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an RFC 3339 timestamp with an explicit offset in the years 0001–9999, e.g. 2026-11-25T14:00:00Z',
      });
      return z.NEVER;
    }
    return d;
  })
  .meta({
    description: 'RFC 3339 with an explicit offset, years 0001–9999',
    format: 'date-time',
    pattern: TIMESTAMP_TEXT,
    example: '2026-11-25T14:00:00Z',
  });

/** The text of a UTC timestamp with millisecond precision, as the contract outputs it. */
export const TIMESTAMP_OUTPUT_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A UTC timestamp as the contract outputs it ({@link TIMESTAMP_OUTPUT_TEXT}). */
export const timestampOutput = z.string().regex(TIMESTAMP_OUTPUT_TEXT).meta({ format: 'date-time', example: '2026-11-25T14:00:00.000Z' });

/** Formats a Date the way the contract outputs timestamps. */
export const isoUtc = (d: Date): string => d.toISOString();

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Free text on input (contract section 1): `min`–`max` characters, counted as Unicode code points
 * as PostgreSQL counts them, without NUL or an unpaired surrogate.
 */
export function textInput(min: number, max: number) {
  return z
    .string()
    .refine((s) => !s.includes('\u0000') && !LONE_SURROGATE.test(s), { message: 'must not contain NUL or an unpaired surrogate' })
    .refine(
      (s) => {
        const n = [...s].length;
        return n >= min && n <= max;
      },
      { message: `must be ${min}–${max} characters` },
    )
    .meta({ minLength: min, maxLength: max, pattern: '^[^\\u0000]*$' });
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A UUID string (any version), normalised to lower case. */
export const uuid = z
  .string()
  .regex(UUID, { message: 'must be a UUID' })
  .transform((s) => s.toLowerCase())
  .meta({ format: 'uuid', example: '2f6c1c1e-8a55-4b8e-9d43-0b1f1c7a9e10' });

/** Checks a UUID without zod, for hot paths. */
export const isUuid = (s: string): boolean => UUID.test(s);

export { D };
