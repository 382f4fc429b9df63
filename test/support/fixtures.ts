import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { client } from './http.js';

type Client = ReturnType<typeof client>;

/** A symbol no other test uses, so that ticks of one test never mark another's positions. */
export const uniqueSymbol = (prefix = 'E'): string => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;

/** Creates a campaign through the gateway and returns its id. */
export async function createCampaign(gw: Client, symbol: string, side: 'LONG' | 'SHORT' = 'LONG'): Promise<string> {
  const r = await gw.post<{ id: string }>('/api/v1/campaigns', { name: `${symbol} campaign`, symbol, timeframe: '1h', side });
  expect(r.status).toBe(201);
  return r.body.id;
}

/** Opens a position through the gateway and returns it. */
export async function openPosition(
  gw: Client,
  campaignId: string,
  p: { pattern_type: string; entry_price: string; shares: string; stop_loss: string; entry_date: string },
): Promise<Record<string, string>> {
  const r = await gw.post<Record<string, string>>(`/api/v1/campaigns/${campaignId}/positions`, p);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}
