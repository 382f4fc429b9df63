import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from './support.js';

describe('gateway on real PostgreSQL', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw.close());

  it('creates a campaign and reads it back with zero totals', async () => {
    const created = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { name: 'AAPL range', symbol: 'aapl', timeframe: '1d' },
    });
    expect(created.statusCode).toBe(201);
    const c = created.json();
    expect(created.headers.etag).toBe('"1"');
    const got = await gw.app.inject({ method: 'GET', url: `/api/v1/campaigns/${c.id}` });
    expect(got.json()).toMatchObject({ symbol: 'AAPL', side: 'LONG', version: 1, total_shares: '0.00000000', as_of: null });
  });
});
