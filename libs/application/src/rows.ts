import type { PositionJson } from '@cpt/contracts';
import type { PatternType, PositionStatus, Timeframe } from '@cpt/domain';
import { asDate } from './sql.js';

/** The columns of a position, as every raw read selects them. */
export const POSITION_COLUMNS = `p.id, p.campaign_id, p.signal_id, p.symbol, p.timeframe, p.pattern_type,
  p.entry_date, p.entry_price::text as entry_price, p.shares::text as shares, p.stop_loss::text as stop_loss,
  p.current_price::text as current_price, p.current_pnl::text as current_pnl, p.status, p.closed_date,
  p.exit_price::text as exit_price, p.realized_pnl::text as realized_pnl, p.marked_at, p.created_at, p.updated_at`;

/** A position row as PostgreSQL returns it: NUMERIC(18,8) as text with exactly 8 fractional digits. */
export interface PositionRow {
  id: string;
  campaign_id: string;
  signal_id: string | null;
  symbol: string;
  timeframe: Timeframe;
  pattern_type: PatternType;
  entry_date: Date | string;
  entry_price: string;
  shares: string;
  stop_loss: string;
  current_price: string;
  current_pnl: string;
  status: PositionStatus;
  closed_date: Date | string | null;
  exit_price: string | null;
  realized_pnl: string | null;
  marked_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

// PostgreSQL's text of a UTC timestamptz(3): `2026-11-25 14:00:00.25+00`.
const PG_UTC = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,3}))?\+00$/;

/**
 * The contract's timestamp (UTC, milliseconds, Z). The driver's UTC text is rearranged rather than
 * parsed into a Date: a read of 1,000 positions formats 5,000 timestamps.
 */
export function utcMillis(v: Date | string): string {
  if (typeof v === 'string') {
    const m = PG_UTC.exec(v);
    if (m) return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0')}Z`;
  }
  return asDate(v).toISOString();
}

const iso = utcMillis;
const isoOrNull = (v: Date | string | null): string | null => (v === null ? null : utcMillis(v));

/**
 * The contract's Position from a row. The decimals are passed through: a NUMERIC(18,8) column
 * prints exactly the contract's 8-digit plain notation.
 */
export function positionJson(r: PositionRow): PositionJson {
  return {
    id: r.id,
    campaign_id: r.campaign_id,
    signal_id: r.signal_id,
    symbol: r.symbol,
    timeframe: r.timeframe,
    pattern_type: r.pattern_type,
    entry_date: iso(r.entry_date),
    entry_price: r.entry_price,
    shares: r.shares,
    stop_loss: r.stop_loss,
    current_price: r.current_price,
    current_pnl: r.current_pnl,
    status: r.status,
    closed_date: isoOrNull(r.closed_date),
    exit_price: r.exit_price,
    realized_pnl: r.realized_pnl,
    marked_at: isoOrNull(r.marked_at),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

/** The columns of a campaign. */
export const CAMPAIGN_COLUMNS = 'c.id, c.name, c.symbol, c.timeframe, c.side, c.status, c.version, c.last_seq, c.created_at, c.updated_at';

export interface CampaignRow {
  id: string;
  name: string;
  symbol: string;
  timeframe: Timeframe;
  side: 'LONG' | 'SHORT';
  status: 'ACTIVE' | 'CLOSED';
  version: number;
  last_seq: string | number;
  created_at: Date | string;
  updated_at: Date | string;
}
