import { describe, expect, it } from 'vitest';
import { ApiError, RestClient } from './rest-client.js';

const KEY = `cpt_${'k'.repeat(43)}`;
const ID = '2f6c1c1e-8a55-4b8e-9d43-0b1f1c7a9e10';

/** A fetch that answers `status` with `body` and `headers`, and records the request. */
function fake(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

describe('RestClient', () => {
  it('presents the key, sends If-Match with the version given, and reads the new version from the ETag', async () => {
    const f = fake(201, { id: 'p' }, { etag: '"8"' });
    const rest = new RestClient({ baseUrl: 'http://gw:8080/', apiKey: KEY, fetch: f.fetch });
    const r = await rest.addPosition(ID, { pattern_type: 'SPRING', entry_price: '150', shares: '100', stop_loss: '148' }, { ifMatch: 7 });
    expect(r).toEqual({ body: { id: 'p' }, version: 8 });
    expect(f.calls[0]?.url).toBe(`http://gw:8080/api/v1/campaigns/${ID}/positions`);
    expect(f.calls[0]?.init.method).toBe('POST');
    expect(f.calls[0]?.init.headers).toMatchObject({
      authorization: `Bearer ${KEY}`,
      'content-type': 'application/json',
      'if-match': '"7"',
    });
    expect(JSON.parse(String(f.calls[0]?.init.body))).toEqual({
      pattern_type: 'SPRING',
      entry_price: '150',
      shares: '100',
      stop_loss: '148',
    });
  });

  it('changes a campaign’s settings with PATCH, If-Match and the body as given', async () => {
    const f = fake(200, { id: ID, version: 4, auto_exit_on_stop: true }, { etag: '"4"' });
    const rest = new RestClient({ apiKey: KEY, fetch: f.fetch });
    const r = await rest.updateCampaign(ID, { auto_exit_on_stop: true }, { ifMatch: 3 });
    expect(r).toEqual({ body: { id: ID, version: 4, auto_exit_on_stop: true }, version: 4 });
    expect([f.calls[0]?.url, f.calls[0]?.init.method]).toEqual([`/api/v1/campaigns/${ID}`, 'PATCH']);
    expect(f.calls[0]?.init.headers).toMatchObject({ 'content-type': 'application/json', 'if-match': '"3"' });
    expect(JSON.parse(String(f.calls[0]?.init.body))).toEqual({ auto_exit_on_stop: true });
  });

  it('writes only the query parameters given', async () => {
    const f = fake(200, { items: [], next_cursor: null });
    const rest = new RestClient({ apiKey: KEY, fetch: f.fetch });
    await rest.listCampaigns({ status: 'ACTIVE', limit: 50 });
    await rest.patternStats();
    expect(f.calls.map((c) => c.url)).toEqual(['/api/v1/campaigns?status=ACTIVE&limit=50', '/api/v1/stats/patterns']);
  });

  it("rejects with the contract's error: status, code, details, the current version of a conflict, the request id", async () => {
    const f = fake(
      409,
      { error: { code: 'version_conflict', message: 'stale', details: { current_version: 12 } } },
      { 'x-request-id': 'r-1' },
    );
    const rest = new RestClient({ apiKey: KEY, fetch: f.fetch });
    const e = await rest.moveStop(ID, { stop_loss: '149' }, { ifMatch: 11 }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 409, code: 'version_conflict', message: 'stale', requestId: 'r-1', currentVersion: 12 });
  });

  it('names the status when the answer is not the contract’s error body', async () => {
    const f = fake(502, undefined);
    const e = await new RestClient({ apiKey: KEY, fetch: f.fetch }).account().catch((err: unknown) => err);
    expect(e).toMatchObject({ status: 502, code: 'unknown', message: 'HTTP 502', currentVersion: undefined });
  });
});
