import type { MikroORM } from '@cpt/application';
import { type CampaignUpdated, totalsSchema } from '@cpt/contracts';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { get, patch, post, type Res } from './api.js';

/**
 * Helpers of the section 8 tests (exits, fees, R-multiples, risk limits): the new endpoints, the
 * totals and position fields section 8 adds, and a look at the outbox.
 */

type Headers = Record<string, string>;

export const exitPosition = (app: FastifyInstance, positionId: string, body: unknown, headers: Headers = {}): Promise<Res> =>
  post(app, `/api/v1/positions/${positionId}/exits`, body, headers);

export const getAccount = (app: FastifyInstance, headers: Headers = {}): Promise<Res> => get(app, '/api/v1/account', headers);

export const patchSettings = (app: FastifyInstance, body: unknown, headers: Headers = {}): Promise<Res> =>
  patch(app, '/api/v1/account/settings', body, headers);

/** Every totals field of sections 2 and 8. */
export const TOTALS_FIELDS = Object.keys(totalsSchema.shape) as (keyof typeof totalsSchema.shape)[];
export type Totals8 = Record<(typeof TOTALS_FIELDS)[number], string | number | null>;

/** Picks the totals fields of sections 2 and 8 out of a view (a campaign, its positions, an event's totals). */
export function totals8In(view: Record<string, unknown>): Totals8 {
  const out: Record<string, unknown> = {};
  for (const k of TOTALS_FIELDS) out[k] = view[k];
  return out as Totals8;
}

/** Every Position field of sections 2 and 8 but the ids and the record's own timestamps. */
export const POSITION_FIELDS = [
  'signal_id',
  'symbol',
  'timeframe',
  'pattern_type',
  'status',
  'entry_date',
  'entry_price',
  'shares',
  'open_shares',
  'stop_loss',
  'initial_stop',
  'initial_risk',
  'entry_fee',
  'fees',
  'current_price',
  'current_pnl',
  'realized_pnl',
  'net_pnl',
  'r_multiple',
  'exit_price',
  'closed_date',
  'marked_at',
] as const;

export interface ExitJson {
  id: string;
  position_id: string;
  shares: string;
  price: string;
  date: string;
  fee: string;
  realized_pnl: string;
}
export type ExitFigures = Omit<ExitJson, 'id' | 'position_id'>;
export type PositionFigures = Record<(typeof POSITION_FIELDS)[number], string | null> & { exits: ExitFigures[] };

/** A position's figures: every field of sections 2 and 8, its exits without their ids. */
export function figuresOf(p: Record<string, unknown>): PositionFigures {
  const out: Record<string, unknown> = {};
  for (const k of POSITION_FIELDS) out[k] = p[k];
  const exits = p.exits as ExitJson[];
  for (const e of exits) {
    expect(Object.keys(e).sort()).toEqual(['date', 'fee', 'id', 'position_id', 'price', 'realized_pnl', 'shares']);
    expect(e.position_id).toBe(p.id);
  }
  out.exits = exits.map(({ id: _id, position_id: _p, ...figures }) => figures);
  return out as PositionFigures;
}

/** Asserts a 201 exit answer with the campaign's new version as ETag; returns `{exit, position}`. */
export function expectExit(res: Res, version: number): { exit: ExitJson; position: Record<string, unknown> & { id: string } } {
  expect([res.statusCode, res.headers.etag], res.body).toEqual([201, `"${version}"`]);
  const body = res.json();
  expect(Object.keys(body).sort()).toEqual(['exit', 'position']);
  expect(body.exit.position_id).toBe(body.position.id);
  return body;
}

// The outbox relay's lock (libs/application/src/modules/outbox/outbox.repository.ts). While a test
// holds it, no relay publishes, and so none deletes, the rows the test wants to read.
const RELAY_LOCK = 942_001;

/**
 * Runs `commands` while holding the relay's lock, then reads the events the outbox holds for the
 * campaign: those of the commands are still there. The rows are left for the relay.
 */
export async function eventsOf<T>(
  orm: MikroORM,
  campaignId: string,
  commands: () => Promise<T>,
): Promise<{ result: T; events: CampaignUpdated[] }> {
  return orm.em.fork().transactional(async (tx) => {
    await tx.execute('select pg_advisory_xact_lock(?)', [RELAY_LOCK], 'run');
    const result = await commands();
    const rows = (await tx.execute('select payload::text as payload from campaign_events where campaign_id = ? order by seq', [
      campaignId,
    ])) as { payload: string }[];
    return { result, events: rows.map((r) => JSON.parse(r.payload) as CampaignUpdated) };
  });
}
