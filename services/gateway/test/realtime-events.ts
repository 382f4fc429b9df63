import { type CampaignUpdated, eventHeaders, MARK_FIELDS, type MarkedPositionJson, type PositionJson } from '@cpt/contracts';

/** Made-up events of the contract's shape, for tests of the realtime parts. */
export const CAMPAIGN = '0b1f1c7a-8a55-4b8e-9d43-2f6c1c1e9e10';
export const OTHER = '1c2d3e4f-8a55-4b8e-9d43-2f6c1c1e9e10';

/** 8-digit decimal text to units of 1e-8, and back. */
const toUnits = (text: string): bigint => BigInt(text.replace('.', ''));
function toText(units: bigint): string {
  const abs = units < 0n ? -units : units;
  return `${units < 0n ? '-' : ''}${abs / 100_000_000n}.${(abs % 100_000_000n).toString().padStart(8, '0')}`;
}

/** The R-multiple of a P&L on the position's initial risk of 40: P&L / 40, to 8 digits, half-even. */
function rOf40(pnl: string): string {
  const n = toUnits(pnl) * 100_000_000n;
  const d = toUnits('40.00000000');
  const abs = n < 0n ? -n : n;
  const q = abs / d;
  const twice = 2n * (abs % d);
  const rounded = twice > d || (twice === d && q % 2n === 1n) ? q + 1n : q;
  return toText(n < 0n ? -rounded : rounded);
}

/**
 * An OPEN position of {@link CAMPAIGN} with the given P&L: 8000 shares, no exit and no fee, an
 * initial risk of 40 (0.005 to the stop); its net P&L is its P&L.
 */
export function position(id: string, pnl: string): PositionJson {
  return {
    id,
    campaign_id: CAMPAIGN,
    signal_id: null,
    symbol: 'GBPUSD',
    timeframe: '1h',
    pattern_type: 'SPRING',
    entry_date: '2026-11-25T09:00:00.000Z',
    entry_price: '1.25000000',
    shares: '8000.00000000',
    open_shares: '8000.00000000',
    stop_loss: '1.24500000',
    initial_stop: '1.24500000',
    initial_risk: '40.00000000',
    entry_fee: '0.00000000',
    fees: '0.00000000',
    current_price: '1.25750000',
    current_pnl: pnl,
    net_pnl: pnl,
    r_multiple: rOf40(pnl),
    status: 'OPEN',
    closed_date: null,
    exit_price: null,
    realized_pnl: null,
    exits: [],
    // Marked at 1.2575 since its entry at 1.25: 0.0075 above it, 1.5 R on its 0.005 to the stop.
    max_favorable_price: '1.25750000',
    max_adverse_price: '1.25000000',
    mfe_r: '1.50000000',
    mae_r: '0.00000000',
    marked_at: '2026-11-25T10:00:00.000Z',
    stop_breached_at: null,
    stop_breach_price: null,
    created_at: '2026-11-25T09:00:00.000Z',
    updated_at: '2026-11-25T10:00:00.000Z',
  };
}

/** A `marked` event of a campaign whose totals carry the given P&L. */
export function event(seq: number, pnl = `${seq}.00000000`, campaignId = CAMPAIGN): CampaignUpdated {
  return {
    type: 'campaign_updated',
    campaign_id: campaignId,
    seq,
    version: 2,
    reason: 'marked',
    totals: {
      total_shares: '8000.00000000',
      weighted_avg_entry: '1.25000000',
      total_risk: '40.00000000',
      unrealized_pnl: pnl,
      realized_pnl: '0.00000000',
      total_pnl: pnl,
      total_fees: '0.00000000',
      net_pnl: pnl,
      initial_risk: '40.00000000',
      r_multiple: rOf40(pnl),
      open_positions_count: 1,
      closed_positions_count: 0,
      breached_positions_count: 0,
      as_of: '2026-11-25T10:00:00.000Z',
    },
    changed_positions: [position('aaaaaaaa-8a55-4b8e-9d43-2f6c1c1e9e10', pnl)],
  };
}

/** A position as a `marked` update carries it: its id and the fields a mark changes (section 3). */
export function compactOf(p: PositionJson): MarkedPositionJson {
  return Object.fromEntries([['id', p.id], ...MARK_FIELDS.map((f) => [f, p[f]])]) as MarkedPositionJson;
}

/** The headers the position service publishes an event with, as bytes, as kafkajs hands them to a consumer. */
export const headersOf = (e: Pick<CampaignUpdated, 'campaign_id' | 'seq'>): Record<string, Buffer> =>
  Object.fromEntries(Object.entries(eventHeaders(e.campaign_id, e.seq)).map(([k, v]) => [k, Buffer.from(v)]));
