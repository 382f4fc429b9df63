import { type Dec, divRound8, fmt8, ZERO } from './decimal.js';
import { type RiskLimitBreach, RiskLimitExceededError } from './errors.js';

/** An account's risk settings (section 8 of the contract). */
export interface RiskSettings {
  /** Null: no limit is enforced. */
  equity: Dec | null;
  /** A campaign's exposure may reach this percentage of equity, no more. */
  maxCampaignRiskPct: Dec;
  /** The account's heat may reach this percentage of equity, no more. */
  maxPortfolioHeatPct: Dec;
}

const HUNDRED = 100;

/**
 * A position's exposure: its risk on the open shares when positive, else 0 (a stop beyond the
 * entry locks in a gain and exposes nothing).
 */
export function exposureOf(risk: Dec): Dec {
  return risk.gt(ZERO) ? risk : ZERO;
}

/** `equity × pct / 100`, exact (never rounded: limits are compared exactly). */
export function limitAmount(equity: Dec, pct: Dec): Dec {
  return equity.mul(pct).div(HUNDRED);
}

/** `100 × amount / equity`, rounded once to 8 digits, half-even; null without equity. */
export function percentOfEquity(amount: Dec, equity: Dec | null): Dec | null {
  return equity === null ? null : divRound8(amount.mul(HUNDRED), equity);
}

/** The exposure a command starts from: its campaign's and the whole account's (the heat). */
export interface ExposureNow {
  campaign: Dec;
  heat: Dec;
}

/**
 * Checks a command that changes exposure by `delta` against the account's limits. A command that
 * does not raise exposure (`delta ≤ 0`) is never refused, nor is any command while the account has
 * no equity. Reaching a limit exactly is allowed.
 *
 * @throws RiskLimitExceededError naming every limit the command would break.
 */
export function checkRiskLimits(settings: RiskSettings, now: ExposureNow, delta: Dec): void {
  const { equity } = settings;
  if (equity === null || !delta.gt(ZERO)) return;
  const breaches: RiskLimitBreach[] = [];
  const campaignMax = limitAmount(equity, settings.maxCampaignRiskPct);
  const campaign = now.campaign.plus(delta);
  if (campaign.gt(campaignMax)) breaches.push({ limit: 'campaign_risk', max: fmt8(campaignMax), would_be: fmt8(campaign) });
  const heatMax = limitAmount(equity, settings.maxPortfolioHeatPct);
  const heat = now.heat.plus(delta);
  if (heat.gt(heatMax)) breaches.push({ limit: 'portfolio_heat', max: fmt8(heatMax), would_be: fmt8(heat) });
  if (breaches.length > 0) throw new RiskLimitExceededError(breaches);
}
