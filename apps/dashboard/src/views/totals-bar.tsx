import type { CampaignPositionsJson } from '@cpt/contracts';
import type { JSX } from 'preact';
import { Num, Time } from '../ui/format.js';

type Totals = Omit<CampaignPositionsJson, 'positions' | 'campaign_id' | 'version'>;

const AMOUNTS: readonly [keyof Totals, string, boolean][] = [
  ['total_shares', 'Shares', false],
  ['weighted_avg_entry', 'Avg entry', false],
  ['total_risk', 'Risk to stops', false],
  ['unrealized_pnl', 'Unrealized', true],
  ['realized_pnl', 'Realized', true],
  ['total_pnl', 'Total P&L', true],
  ['total_fees', 'Fees', false],
  ['net_pnl', 'Net P&L', true],
  ['initial_risk', 'Initial risk', false],
  ['r_multiple', 'R', true],
];

/** A campaign's totals, as the server computed them; each figure carries `data-total` for tests and tools. */
export function TotalsBar({ t }: { t: Totals }): JSX.Element {
  return (
    <dl class="totals" aria-label="Campaign totals">
      {AMOUNTS.map(([field, label, signed]) => (
        <div key={field} data-total={field}>
          <dt>{label}</dt>
          <dd>
            <Num value={t[field] as string | null} signed={signed} />
          </dd>
        </div>
      ))}
      <div data-total="positions">
        <dt>Open / closed</dt>
        <dd>
          <span class="num">
            {t.open_positions_count} / {t.closed_positions_count}
          </span>
        </dd>
      </div>
      <div data-total="as_of">
        <dt>As of</dt>
        <dd>
          <Time iso={t.as_of} />
        </dd>
      </div>
    </dl>
  );
}
