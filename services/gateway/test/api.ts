import { type MikroORM, markPositions } from '@cpt/application';
import { dec } from '@cpt/domain';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

export type Res = LightMyRequestResponse;
type Headers = Record<string, string>;

const JSON_TYPE = { 'content-type': 'application/json' };

/** A timestamp on a fixed past day, so entry dates are never in the future. */
export const at = (hhmm: string, day = '2026-11-20'): string => `${day}T${hhmm}:00.000Z`;

/** POSTs a body: an object is serialised, a string is sent exactly as written. */
export function post(app: FastifyInstance, url: string, body?: unknown, headers: Headers = {}): Promise<Res> {
  if (body === undefined) return app.inject({ method: 'POST', url, headers });
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return app.inject({ method: 'POST', url, payload, headers: { ...JSON_TYPE, ...headers } });
}

export function patch(app: FastifyInstance, url: string, body: unknown, headers: Headers = {}): Promise<Res> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return app.inject({ method: 'PATCH', url, payload, headers: { ...JSON_TYPE, ...headers } });
}

export const get = (app: FastifyInstance, url: string, headers: Headers = {}): Promise<Res> => app.inject({ method: 'GET', url, headers });

export interface CampaignInput {
  name?: string;
  symbol: string;
  timeframe?: string;
  side?: 'LONG' | 'SHORT';
}

/** Creates a campaign and returns its JSON; fails the test unless the answer is 201. */
export async function createCampaign(app: FastifyInstance, input: CampaignInput) {
  const res = await post(app, '/api/v1/campaigns', { name: `${input.symbol} range`, timeframe: '1h', ...input });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export const addPosition = (app: FastifyInstance, campaignId: string, body: unknown, headers: Headers = {}): Promise<Res> =>
  post(app, `/api/v1/campaigns/${campaignId}/positions`, body, headers);

/** Opens a position and returns its JSON; fails the test unless the answer is 201. */
export async function openPosition(app: FastifyInstance, campaignId: string, body: Record<string, unknown>) {
  const res = await addPosition(app, campaignId, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** Opens a position and asserts the answer: 201 with the campaign's new version as ETag. */
export async function openAtVersion(app: FastifyInstance, campaignId: string, version: number, body: Record<string, unknown>) {
  const res = await addPosition(app, campaignId, body);
  expect([res.statusCode, res.headers.etag], res.body).toEqual([201, `"${version}"`]);
  return res.json();
}

/** The current P&L of each position of a view, by pattern. */
export const pnlByPattern = (view: { positions: { pattern_type: string; current_pnl: string }[] }) =>
  Object.fromEntries(view.positions.map((p) => [p.pattern_type, p.current_pnl]));

export const closePosition = (app: FastifyInstance, positionId: string, body: unknown, headers: Headers = {}): Promise<Res> =>
  post(app, `/api/v1/positions/${positionId}/close`, body, headers);

export const moveStop = (app: FastifyInstance, positionId: string, body: unknown, headers: Headers = {}): Promise<Res> =>
  patch(app, `/api/v1/positions/${positionId}`, body, headers);

export const closeCampaign = (app: FastifyInstance, campaignId: string, headers: Headers = {}): Promise<Res> =>
  post(app, `/api/v1/campaigns/${campaignId}/close`, undefined, headers);

/** `GET /campaigns/{id}/positions`, asserting 200 and that the ETag names the version in the body. */
export async function positionsOf(app: FastifyInstance, campaignId: string, query = '') {
  const res = await get(app, `/api/v1/campaigns/${campaignId}/positions${query}`);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expect(res.headers.etag).toBe(`"${body.version}"`);
  return body;
}

/** `GET /campaigns/{id}`, asserting 200 and that the ETag names the version in the body. */
export async function campaignOf(app: FastifyInstance, campaignId: string) {
  const res = await get(app, `/api/v1/campaigns/${campaignId}`);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expect(res.headers.etag).toBe(`"${body.version}"`);
  return body;
}

/** Marks every open position of a symbol at a price, as a tick would. */
export async function mark(orm: MikroORM, symbol: string, price: string, ts: string): Promise<number> {
  const r = await markPositions(orm.em, [{ symbol, price: dec(price), ts: new Date(ts) }]);
  return r.marked;
}

export interface Totals {
  total_shares: string;
  weighted_avg_entry: string;
  total_risk: string;
  unrealized_pnl: string;
  realized_pnl: string;
  total_pnl: string;
  total_fees: string;
  net_pnl: string;
  initial_risk: string;
  r_multiple: string | null;
  open_positions_count: number;
  closed_positions_count: number;
  breached_positions_count: number;
  as_of: string | null;
}

const ZERO_TOTALS: Totals = {
  total_shares: '0.00000000',
  weighted_avg_entry: '0.00000000',
  total_risk: '0.00000000',
  unrealized_pnl: '0.00000000',
  realized_pnl: '0.00000000',
  total_pnl: '0.00000000',
  total_fees: '0.00000000',
  net_pnl: '0.00000000',
  initial_risk: '0.00000000',
  r_multiple: null,
  open_positions_count: 0,
  closed_positions_count: 0,
  breached_positions_count: 0,
  as_of: null,
};

/** Every totals field (sections 2 and 8): zeros unless given, and no R-multiple (no position, no initial risk). */
export const totals = (over: Partial<Totals> = {}): Totals => ({ ...ZERO_TOTALS, ...over });

/** Picks the totals fields out of a campaign view. */
export function totalsIn(view: Record<string, unknown>): Totals {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(ZERO_TOTALS)) out[k] = view[k];
  return out as unknown as Totals;
}

/** Asserts the contract's error body exactly: status, code, and no field beyond code/message/details. */
export function expectError(res: Res, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error as { code: string; message: string; details?: unknown };
}

/** Asserts a 422 whose details name exactly the given field paths. */
export function expectInvalid(res: Res, ...paths: string[]) {
  const error = expectError(res, 422, 'validation_failed');
  const details = error.details as { path: string; message: string }[];
  expect(Array.isArray(details)).toBe(true);
  for (const d of details) {
    expect(Object.keys(d).sort()).toEqual(['message', 'path']);
    expect(d.message.length).toBeGreaterThan(0);
  }
  expect(details.map((d) => d.path).sort()).toEqual([...paths].sort());
  return details;
}
