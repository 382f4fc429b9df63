import type { PatternStatsJson } from '@cpt/contracts';
import { divHalfEven, divText8, fromUnits, PATTERN_TYPES, PATTERNS_BY_SIDE, type PatternType, type Side, toUnits } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../../db/sql.js';

interface SumsRow {
  pattern_type: PatternType;
  closed: number;
  wins: number;
  sum_r: string;
  n_r: number;
  net: string;
  seconds: string;
  sum_mfe: string;
  sum_mae: string;
}

/**
 * Exact sums per pattern over the account's CLOSED positions with `closed_date` in [from, to), in
 * one aggregate through `positions_closed_account_idx`: only a row per pattern leaves PostgreSQL.
 * Each position counts with its own stored figures (those frozen when it closed). Sums, not sums of
 * per-row expressions: at 100,000 rows the arithmetic costs more than the scan.
 */
const SUMS_SQL = `
  select pattern_type, count(*)::int as closed, (count(*) filter (where realized_pnl > fees))::int as wins,
    coalesce(sum(r_multiple), 0)::text as sum_r, count(r_multiple)::int as n_r,
    (sum(realized_pnl) - sum(fees))::text as net,
    extract(epoch from sum(closed_date - entry_date))::text as seconds,
    coalesce(sum(mfe_r), 0)::text as sum_mfe, coalesce(sum(mae_r), 0)::text as sum_mae
  from positions
  where account_id = ? and status = 'CLOSED'
    and (?::timestamptz is null or closed_date >= ?::timestamptz) and (?::timestamptz is null or closed_date < ?::timestamptz)
    and pattern_type = any(?::text[])
  group by pattern_type`;

/** `"12.5"` of a count: the text of an integer, for exact division. */
const int = (n: number): string => String(n);

/** The per-pattern statistics of section 9: exact means of the positions' own figures, each rounded once. */
export async function patternStats(
  em: EntityManager,
  accountId: string,
  q: { side?: Side | undefined; from?: Date | undefined; to?: Date | undefined },
): Promise<PatternStatsJson[]> {
  const patterns = q.side ? PATTERNS_BY_SIDE[q.side] : PATTERN_TYPES;
  const from = q.from ?? null;
  const to = q.to ?? null;
  const rows = await query<SumsRow>(em, SUMS_SQL, [accountId, from, from, to, to, `{${patterns.join(',')}}`]);
  const byPattern = new Map(rows.map((r) => [r.pattern_type, r]));
  return PATTERN_TYPES.flatMap((pattern) => {
    const r = byPattern.get(pattern);
    if (!r || r.closed === 0) return [];
    const seconds = divHalfEven(toUnits(r.seconds), BigInt(r.closed) * 100_000_000n);
    return [
      {
        pattern_type: pattern,
        closed_positions: r.closed,
        wins: r.wins,
        losses: r.closed - r.wins,
        win_rate: divText8(int(r.wins), int(r.closed)) as string,
        avg_r_multiple: r.n_r === 0 ? null : divText8(r.sum_r, int(r.n_r)),
        total_net_pnl: fromUnits(toUnits(r.net)),
        avg_holding_seconds: Number(seconds),
        avg_mfe_r: divText8(r.sum_mfe, int(r.closed)) as string,
        avg_mae_r: divText8(r.sum_mae, int(r.closed)) as string,
      },
    ];
  });
}

/** Per-pattern statistics of one account's closed positions. */
export class StatsReads {
  constructor(private readonly em: EntityManager) {}

  patterns(accountId: string, q: { side?: Side | undefined; from?: Date | undefined; to?: Date | undefined }): Promise<PatternStatsJson[]> {
    return patternStats(this.em.fork(), accountId, q);
  }
}
