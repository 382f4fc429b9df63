import type { AccountViewJson } from '@cpt/contracts';
import type { JSX } from 'preact';
import { Num } from '../ui/format.js';

/** How full a limit is, for a bar's width only (percentages, not money): 0 to 100. */
const fill = (pct: string | null, max: string): number => (pct === null ? 0 : Math.min(100, (100 * Number(pct)) / Number(max)));

/** The account's heat against its limit, as a meter and the server's figures. */
export function HeatMeter({ account }: { account: AccountViewJson }): JSX.Element {
  const { settings } = account;
  const over = account.heat_pct !== null && Number(account.heat_pct) > Number(settings.max_portfolio_heat_pct);
  return (
    <section class="heat" aria-labelledby="heat-title" data-testid="heat">
      <h2 id="heat-title">Portfolio heat</h2>
      {settings.equity === null ? (
        <p>
          Heat <Num value={account.heat} /> · no equity set, so no limit applies (set it under Account).
        </p>
      ) : (
        <>
          <meter
            min={0}
            max={Number(settings.max_portfolio_heat_pct)}
            high={Number(settings.max_portfolio_heat_pct) * 0.8}
            value={Number(account.heat_pct ?? 0)}
            aria-label="Heat against its limit"
          />
          <div class={`bar${over ? ' over' : ''}`} aria-hidden="true">
            <span style={{ width: `${fill(account.heat_pct, settings.max_portfolio_heat_pct)}%` }} />
          </div>
          <p>
            Heat <Num value={account.heat} /> = <Num value={account.heat_pct} />% of equity <Num value={settings.equity} />; the limit is{' '}
            <Num value={settings.max_portfolio_heat_pct} />
            %, and <Num value={settings.max_campaign_risk_pct} />% per campaign.
          </p>
        </>
      )}
    </section>
  );
}

/** A campaign's exposure against the per-campaign limit. */
export function ExposureCell({ account, campaignId }: { account: AccountViewJson | null; campaignId: string }): JSX.Element {
  const e = account?.campaigns.find((c) => c.campaign_id === campaignId);
  if (!account || !e) return <span class="muted">—</span>;
  const width = fill(e.exposure_pct, account.settings.max_campaign_risk_pct);
  return (
    <span class="exposure" title={e.exposure_pct === null ? 'no equity set' : `${e.exposure_pct}% of equity`}>
      <Num value={e.exposure} />
      {e.exposure_pct !== null && (
        <span class={`bar small${width >= 100 ? ' over' : ''}`} aria-hidden="true">
          <span style={{ width: `${width}%` }} />
        </span>
      )}
    </span>
  );
}
