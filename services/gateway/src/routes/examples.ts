import type { BodyExample } from '@cpt/http';

/**
 * The request bodies the docs page shows, by operation: what a trader would send, in the order a
 * first session sends them (a LONG campaign on GBPUSD, a SPRING entry at 1.25 for 8,000 with a
 * stop at 1.245, a trailing stop, a partial exit, the close). The server accepts every one of them:
 * test/docs-examples.test.ts posts each to a gateway and expects success.
 */
export const examples = {
  createCampaign: {
    long: {
      summary: 'An accumulation campaign (LONG)',
      value: { name: 'GBPUSD range Q4', symbol: 'GBPUSD', timeframe: '1h', side: 'LONG' },
    },
    short: {
      summary: 'A distribution campaign (SHORT) that exits at its stops',
      value: { name: 'AAPL distribution', symbol: 'AAPL', timeframe: '4h', side: 'SHORT', auto_exit_on_stop: true },
    },
  },
  updateCampaign: {
    autoExit: { summary: 'Exit every open position at its stop when a tick reaches it', value: { auto_exit_on_stop: true } },
  },
  addPosition: {
    spring: {
      summary: 'A SPRING entry in a LONG campaign',
      description: 'entry_date is left out: it is now. The stop is below the entry, as a LONG stop must be.',
      value: { pattern_type: 'SPRING', entry_price: '1.25000000', shares: '8000', stop_loss: '1.24500000', entry_fee: '4.00' },
    },
    utad: {
      summary: 'A UTAD entry in a SHORT campaign',
      description: 'The stop is above the entry, as a SHORT stop must be.',
      value: { pattern_type: 'UTAD', entry_price: '187.50', shares: '100', stop_loss: '190.00' },
    },
  },
  moveStop: {
    trail: { summary: 'Trail the SPRING’s stop up', value: { stop_loss: '1.24800000' } },
  },
  exitPosition: {
    part: {
      summary: 'Take profit on 3,000 of its shares',
      description: 'date is left out: it is now.',
      value: { shares: '3000', price: '1.25900000', fee: '1.50' },
    },
  },
  closePosition: {
    close: { summary: 'Exit every open share', value: { exit_price: '1.26000000', fee: '1.50' } },
  },
  updateSettings: {
    limits: {
      summary: 'Equity and both risk limits',
      value: { equity: '100000', max_campaign_risk_pct: '5', max_portfolio_heat_pct: '10' },
    },
  },
  createAccount: {
    desk: { summary: 'A new account', value: { name: 'Desk B' } },
  },
  createKey: {
    feed: { summary: 'A key for a market feed', value: { name: 'feed-b', scopes: ['ticks:write'] } },
    trader: {
      summary: 'A trader’s key that expires',
      value: { name: 'trader-b', scopes: ['campaigns:read', 'campaigns:write'], expires_at: '2099-06-30T00:00:00Z' },
    },
  },
} satisfies Record<string, Record<string, BodyExample>>;
