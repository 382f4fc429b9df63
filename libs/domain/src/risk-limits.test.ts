import { describe, expect, it } from 'vitest';
import { dec, fmt8 } from './decimal.js';
import { type RiskLimitBreach, RiskLimitExceededError } from './errors.js';
import { checkRiskLimits, exposureOf, limitAmount, percentOfEquity, type RiskSettings } from './risk-limits.js';

const SETTINGS: RiskSettings = { equity: dec('100000'), maxCampaignRiskPct: dec('5'), maxPortfolioHeatPct: dec('10') };

/** The breaches a check reports, or null when it lets the command through. */
function breachesOf(settings: RiskSettings, campaign: string, heat: string, delta: string): RiskLimitBreach[] | null {
  try {
    checkRiskLimits(settings, { campaign: dec(campaign), heat: dec(heat) }, dec(delta));
    return null;
  } catch (e) {
    if (e instanceof RiskLimitExceededError) return [...e.details];
    throw e;
  }
}

describe('exposureOf', () => {
  it('is the risk when positive, else zero', () => {
    expect(['200', '0.00000001', '0', '-0.00000001', '-120'].map((x) => fmt8(exposureOf(dec(x))))).toEqual([
      '200.00000000',
      '0.00000001',
      '0.00000000',
      '0.00000000',
      '0.00000000',
    ]);
  });
});

describe('limitAmount', () => {
  it('is equity × pct / 100, exact and never rounded', () => {
    expect(limitAmount(dec('100000'), dec('5')).toFixed()).toBe('5000');
    expect(limitAmount(dec('12345.67890123'), dec('3.33333333')).toFixed()).toBe('411.522629629477369959');
    expect(limitAmount(dec('0.00000001'), dec('0.00000001')).toFixed()).toBe('0.000000000000000001');
    expect(limitAmount(dec('9999999999.99999999'), dec('100')).toFixed()).toBe('9999999999.99999999');
  });
});

describe('percentOfEquity', () => {
  it('is null without equity', () => {
    expect(percentOfEquity(dec('5000'), null)).toBeNull();
  });

  it.each([
    ['5000', '100000', '5.00000000'],
    ['0', '100000', '0.00000000'],
    ['1', '3', '33.33333333'],
    ['2', '3', '66.66666667'],
    ['100000', '100000', '100.00000000'],
    ['250000', '100000', '250.00000000'],
    // 100 × 0.00000001 / 200 = 0.000000005: a tie, to the even 0.
    ['0.00000001', '200', '0.00000000'],
    // 0.000000015: a tie, to the even …02.
    ['0.00000003', '200', '0.00000002'],
  ])('gives 100 × %s / %s rounded once half-even as %s', (amount, equity, expected) => {
    const pct = percentOfEquity(dec(amount), dec(equity));
    expect(pct === null ? null : fmt8(pct)).toBe(expected);
  });
});

describe('checkRiskLimits', () => {
  it('never refuses while the account has no equity', () => {
    expect(breachesOf({ ...SETTINGS, equity: null }, '1000000', '1000000', '9999999999')).toBeNull();
  });

  it('never refuses a command that does not raise exposure, even above a limit', () => {
    expect(breachesOf(SETTINGS, '9000', '20000', '0')).toBeNull();
    expect(breachesOf(SETTINGS, '9000', '20000', '-0.00000001')).toBeNull();
    expect(breachesOf(SETTINGS, '9000', '20000', '-500')).toBeNull();
  });

  it('allows reaching a limit exactly', () => {
    expect(breachesOf(SETTINGS, '4000', '4000', '1000')).toBeNull();
    expect(breachesOf(SETTINGS, '0', '9000', '1000')).toBeNull();
    expect(breachesOf(SETTINGS, '4999.99999999', '9999.99999999', '0.00000001')).toBeNull();
  });

  it('refuses one cent over the campaign limit, naming the limit and the amounts', () => {
    expect(breachesOf(SETTINGS, '4000', '4000', '1000.01')).toEqual([
      { limit: 'campaign_risk', max: '5000.00000000', would_be: '5000.01000000' },
    ]);
    expect(breachesOf(SETTINGS, '5000', '5000', '0.00000001')).toEqual([
      { limit: 'campaign_risk', max: '5000.00000000', would_be: '5000.00000001' },
    ]);
  });

  it('refuses one cent over the portfolio heat', () => {
    expect(breachesOf(SETTINGS, '1000', '9000', '1000.01')).toEqual([
      { limit: 'portfolio_heat', max: '10000.00000000', would_be: '10000.01000000' },
    ]);
  });

  it('names both limits, campaign_risk first, when both would break', () => {
    expect(breachesOf(SETTINGS, '4500', '9500', '600')).toEqual([
      { limit: 'campaign_risk', max: '5000.00000000', would_be: '5100.00000000' },
      { limit: 'portfolio_heat', max: '10000.00000000', would_be: '10100.00000000' },
    ]);
  });

  it('throws the contract error: risk_limit_exceeded, not retriable, with the breaches as details', () => {
    let error: unknown;
    try {
      checkRiskLimits(SETTINGS, { campaign: dec('4500'), heat: dec('9500') }, dec('600'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RiskLimitExceededError);
    const e = error as RiskLimitExceededError;
    expect([e.code, e.retriable, e.breaches]).toEqual(['risk_limit_exceeded', false, e.details]);
    expect(e.message).toBe(
      'campaign_risk would be 5100.00000000, above 5000.00000000; portfolio_heat would be 10100.00000000, above 10000.00000000',
    );
  });

  it('compares against the exact limit, though the details print both amounts to 8 digits', () => {
    // The limit is 411.522629629477369959: 411.52262962 is under it, 411.52262963 over it.
    const odd: RiskSettings = { equity: dec('12345.67890123'), maxCampaignRiskPct: dec('3.33333333'), maxPortfolioHeatPct: dec('100') };
    expect(breachesOf(odd, '0', '0', '411.52262962')).toBeNull();
    expect(breachesOf(odd, '400', '400', '11.52262963')).toEqual([
      { limit: 'campaign_risk', max: '411.52262963', would_be: '411.52262963' },
    ]);
  });

  it('allows the whole equity at 100 %', () => {
    const all: RiskSettings = { equity: dec('2500.5'), maxCampaignRiskPct: dec('100'), maxPortfolioHeatPct: dec('100') };
    expect(breachesOf(all, '0', '0', '2500.5')).toBeNull();
    expect(breachesOf(all, '0', '0', '2500.50000001')).toEqual([
      { limit: 'campaign_risk', max: '2500.50000000', would_be: '2500.50000001' },
      { limit: 'portfolio_heat', max: '2500.50000000', would_be: '2500.50000001' },
    ]);
  });
});
