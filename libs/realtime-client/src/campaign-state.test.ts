import type { CampaignUpdated, PositionJson, WsSnapshot } from '@cpt/contracts';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { applyUpdate, stateFromSnapshot } from './campaign-state.js';

const CAMPAIGN = '2f6c1c1e-8a55-4b8e-9d43-0b1f1c7a9e10';
const A = 'aaaaaaaa-8a55-4b8e-9d43-0b1f1c7a9e10';
const B = 'bbbbbbbb-8a55-4b8e-9d43-0b1f1c7a9e10';
const C = 'cccccccc-8a55-4b8e-9d43-0b1f1c7a9e10';

function position(id: string, entry: string, over: Partial<PositionJson> = {}): PositionJson {
  return {
    id,
    campaign_id: CAMPAIGN,
    signal_id: null,
    symbol: 'GBPUSD',
    timeframe: '1h',
    pattern_type: 'SPRING',
    entry_date: entry,
    entry_price: '1.25000000',
    shares: '8000.00000000',
    open_shares: '8000.00000000',
    stop_loss: '1.24500000',
    initial_stop: '1.24500000',
    initial_risk: '40.00000000',
    entry_fee: '0.00000000',
    fees: '0.00000000',
    current_price: '1.25000000',
    current_pnl: '0.00000000',
    net_pnl: '0.00000000',
    r_multiple: '0.00000000',
    status: 'OPEN',
    closed_date: null,
    exit_price: null,
    realized_pnl: null,
    exits: [],
    max_favorable_price: '1.25000000',
    max_adverse_price: '1.25000000',
    mfe_r: '0.00000000',
    mae_r: '0.00000000',
    marked_at: null,
    stop_breached_at: null,
    stop_breach_price: null,
    created_at: entry,
    updated_at: entry,
    ...over,
  };
}

/** 8-digit decimal text to units of 1e-8, and back (the figures here are never negative). */
const units = (text: string): bigint => BigInt(text.replace('.', ''));
const text = (u: bigint): string => `${u / 100_000_000n}.${(u % 100_000_000n).toString().padStart(8, '0')}`;
/** a / b to 8 digits, half-even. */
const ratio = (a: bigint, b: bigint): string => {
  const q = (a * 100_000_000n) / b;
  const twice = 2n * ((a * 100_000_000n) % b);
  return text(twice > b || (twice === b && q % 2n === 1n) ? q + 1n : q);
};

// Every position risks 40 (8000 shares, 0.005 to the stop) and pays no fee: the net P&L is the
// total P&L, and R is it over 40 per position.
const totals = (unrealized: string, open: number, closed = 0, realized = '0.00000000') => {
  const total = units(unrealized) + units(realized);
  const initialRisk = BigInt(open + closed) * units('40.00000000');
  return {
    total_shares: `${open * 8000}.00000000`,
    weighted_avg_entry: open > 0 ? '1.25000000' : '0.00000000',
    total_risk: `${open * 40}.00000000`,
    unrealized_pnl: unrealized,
    realized_pnl: realized,
    total_pnl: text(total),
    total_fees: '0.00000000',
    net_pnl: text(total),
    initial_risk: text(initialRisk),
    r_multiple: initialRisk === 0n ? null : ratio(total, initialRisk),
    open_positions_count: open,
    closed_positions_count: closed,
    breached_positions_count: 0,
    as_of: '2026-11-25T10:00:00.000Z',
  };
};

const snapshot: WsSnapshot = {
  type: 'snapshot',
  campaign_id: CAMPAIGN,
  seq: 4,
  data: {
    campaign_id: CAMPAIGN,
    version: 3,
    positions: [position(A, '2026-11-25T09:00:00.000Z'), position(C, '2026-11-25T11:00:00.000Z')],
    ...totals('0.00000000', 2),
  },
};

const update = (
  seq: number,
  version: number,
  reason: CampaignUpdated['reason'],
  changed: PositionJson[],
  pnl: string,
  open = 2,
  closed = 0,
  realized = '0.00000000',
) =>
  ({
    type: 'campaign_updated',
    campaign_id: CAMPAIGN,
    seq,
    version,
    reason,
    totals: totals(pnl, open, closed, realized),
    changed_positions: changed,
  }) as CampaignUpdated;

describe('campaign state', () => {
  it('takes a snapshot as it is', () => {
    expect(stateFromSnapshot(snapshot)).toEqual({ campaignId: CAMPAIGN, seq: 4, data: snapshot.data });
  });

  it('replaces the totals, merges changed positions by id in entry order, and advances version and seq', () => {
    const s0 = stateFromSnapshot(snapshot);
    const markedA = position(A, '2026-11-25T09:00:00.000Z', {
      current_price: '1.26000000',
      current_pnl: '80.00000000',
      net_pnl: '80.00000000',
      r_multiple: '2.00000000',
      max_favorable_price: '1.26000000',
      mfe_r: '2.00000000',
    });
    const newB = position(B, '2026-11-25T10:00:00.000Z');
    const s1 = applyUpdate(s0, update(5, 3, 'marked', [markedA], '80.00000000'));
    const s2 = s1 && applyUpdate(s1, update(6, 4, 'position_opened', [newB], '80.00000000', 3));
    expect(s2).toEqual({
      campaignId: CAMPAIGN,
      seq: 6,
      data: {
        campaign_id: CAMPAIGN,
        version: 4,
        positions: [markedA, newB, position(C, '2026-11-25T11:00:00.000Z')],
        ...totals('80.00000000', 3),
      },
    });
    expect(s0.data.positions[0]?.current_pnl).toBe('0.00000000');
  });

  it('applies a conflated update whose seq skips the merged ones', () => {
    const closedAt = '2026-11-25T09:30:00.000Z';
    const closedA = position(A, '2026-11-25T09:00:00.000Z', {
      status: 'CLOSED',
      open_shares: '0.00000000',
      current_price: '1.26000000',
      current_pnl: '80.00000000',
      net_pnl: '80.00000000',
      r_multiple: '2.00000000',
      max_favorable_price: '1.26000000',
      mfe_r: '2.00000000',
      closed_date: closedAt,
      exit_price: '1.26000000',
      realized_pnl: '80.00000000',
      exits: [
        {
          id: 'dddddddd-8a55-4b8e-9d43-0b1f1c7a9e10',
          position_id: A,
          shares: '8000.00000000',
          price: '1.26000000',
          date: closedAt,
          fee: '0.00000000',
          realized_pnl: '80.00000000',
        },
      ],
      updated_at: closedAt,
    });
    const s = applyUpdate(stateFromSnapshot(snapshot), update(9, 5, 'stop_moved', [closedA], '0.00000000', 1, 1, '80.00000000'));
    expect(s?.seq).toBe(9);
    expect(s?.data.version).toBe(5);
    expect(s?.data.positions.map((p) => [p.id, p.status])).toEqual([
      [A, 'CLOSED'],
      [C, 'OPEN'],
    ]);
    expect(s?.data.open_positions_count).toBe(1);
    expect(s?.data).toMatchObject({
      closed_positions_count: 1,
      breached_positions_count: 0,
      realized_pnl: '80.00000000',
      net_pnl: '80.00000000',
      r_multiple: '1.00000000',
    });
  });

  it('ignores an update at or below its seq, or of another campaign', () => {
    const s0 = stateFromSnapshot(snapshot);
    expect(applyUpdate(s0, update(4, 9, 'marked', [], '1.00000000'))).toBeUndefined();
    expect(applyUpdate(s0, update(3, 9, 'marked', [], '1.00000000'))).toBeUndefined();
    expect(applyUpdate(s0, { ...update(5, 9, 'marked', [], '1.00000000'), campaign_id: A })).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const o = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
  it('doubles up to the maximum', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, o, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('takes at most the jitter share off at random', () => {
    expect(backoffDelay(2, o, () => 1)).toBe(200);
    expect(backoffDelay(2, o, () => 0.5)).toBe(300);
  });
});
