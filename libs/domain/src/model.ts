/** Campaign sides: `LONG` is an accumulation campaign, `SHORT` a distribution campaign. */
export const SIDES = ['LONG', 'SHORT'] as const;
/** A campaign side. */
export type Side = (typeof SIDES)[number];

/** Wyckoff entry patterns a position can be opened on. */
export const PATTERN_TYPES = ['SPRING', 'SOS', 'LPS', 'UTAD', 'SOW', 'LPSY'] as const;
/** A Wyckoff entry pattern. */
export type PatternType = (typeof PATTERN_TYPES)[number];

/** The patterns allowed in a campaign of each side. */
export const PATTERNS_BY_SIDE: Readonly<Record<Side, readonly PatternType[]>> = Object.freeze({
  LONG: Object.freeze(['SPRING', 'SOS', 'LPS'] as const),
  SHORT: Object.freeze(['UTAD', 'SOW', 'LPSY'] as const),
});

/** Chart timeframes. */
export const TIMEFRAMES = ['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w'] as const;
/** A chart timeframe. */
export type Timeframe = (typeof TIMEFRAMES)[number];

/** Campaign lifecycle states. */
export const CAMPAIGN_STATUSES = ['ACTIVE', 'CLOSED'] as const;
/** A campaign lifecycle state. */
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Position lifecycle states. */
export const POSITION_STATUSES = ['OPEN', 'CLOSED'] as const;
/** A position lifecycle state. */
export type PositionStatus = (typeof POSITION_STATUSES)[number];

/** A valid symbol once upper-cased: 1–32 characters of `A-Z 0-9 . _ : / -`. */
export const SYMBOL_PATTERN = /^[A-Z0-9._:/-]{1,32}$/;

/**
 * Upper-cases a symbol. Only ASCII letters change, so characters that would upper-case into
 * ASCII (such as the dotless `ı`) stay as they are and fail {@link SYMBOL_PATTERN}.
 */
export function normalizeSymbol(s: string): string {
  return s.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

function member<T extends string>(values: readonly T[], v: unknown): v is T {
  return typeof v === 'string' && (values as readonly string[]).includes(v);
}

/** Whether the value is a {@link Side}. */
export function isSide(v: unknown): v is Side {
  return member(SIDES, v);
}

/** Whether the value is a {@link PatternType}. */
export function isPatternType(v: unknown): v is PatternType {
  return member(PATTERN_TYPES, v);
}

/** Whether the value is a {@link Timeframe}. */
export function isTimeframe(v: unknown): v is Timeframe {
  return member(TIMEFRAMES, v);
}

/** Whether the pattern may open a position in a campaign of the given side. */
export function patternAllowed(side: Side, pattern: PatternType): boolean {
  return PATTERNS_BY_SIDE[side].includes(pattern);
}
