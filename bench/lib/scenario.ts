import type { MikroORM } from '@cpt/persistence';

/** The sizes of a scenario; every one configurable. */
export interface Scenario {
  symbols: number;
  campaigns: number;
  positionsPerCampaign: number;
}

export const symbolName = (i: number): string => `SYM${String(i).padStart(5, '0')}`;

/**
 * Seeds campaigns in bulk with one statement each: campaign i trades symbol i, with
 * `positionsPerCampaign` OPEN positions entered on 2026-01-01; symbols past `campaigns` have ticks
 * but no positions.
 */
export async function seed(orm: MikroORM, s: Scenario): Promise<Map<string, string>> {
  const em = orm.em.fork();
  const rows = (await em.execute(
    `insert into campaigns (id, name, symbol, timeframe, side, status, version, last_seq, created_at, updated_at)
     select gen_random_uuid(), 'bench ' || g, 'SYM' || lpad(g::text, 5, '0'), '1h', case when g % 2 = 0 then 'LONG' else 'SHORT' end,
       'ACTIVE', 1, 0, now(), now()
     from generate_series(0, ?::int - 1) g returning id, symbol`,
    [s.campaigns],
  )) as { id: string; symbol: string }[];
  await em.execute(
    `insert into positions (id, campaign_id, signal_id, symbol, timeframe, pattern_type, entry_date, entry_price, shares,
       stop_loss, risk, current_price, current_pnl, status, created_at, updated_at)
     select gen_random_uuid(), c.id, null, c.symbol, '1h', case when c.side = 'LONG' then 'SPRING' else 'UTAD' end,
       timestamptz '2026-01-01', 100, 10 + n, case when c.side = 'LONG' then 95 else 105 end, 5 * (10 + n), 100, 0, 'OPEN', now(), now()
     from campaigns c cross join generate_series(1, ?::int) n`,
    [s.positionsPerCampaign],
  );
  await em.execute('analyze', [], 'run');
  return new Map(rows.map((r) => [r.id, r.symbol]));
}
