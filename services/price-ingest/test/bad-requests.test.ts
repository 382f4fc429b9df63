import { maxHeaderSize } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_TICKS_PER_REQUEST } from '@cpt/contracts';
import { expectWireError, rawHttp } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ingest, postTicks, type Res, startIngest, tick, uniqueSymbol } from './support.js';

/** The contract's error body: status, code, nothing beyond code/message/details, and a request id. */
function expectError(res: Res, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['x-request-id']).toBeTruthy();
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error as { code: string; message: string; details?: unknown };
}

describe('requests that are not ticks', () => {
  let ingest: Ingest;
  beforeAll(async () => {
    ingest = await startIngest();
  });
  afterAll(async () => ingest?.close());

  it.each([
    ['a truncated array', '[{"symbol":"X","price":"1"'],
    ['a trailing comma', '[{"symbol":"X","price":"1","ts":"2026-11-25T14:00:00Z"},]'],
    ['NaN', '{"symbol":"X","price":NaN,"ts":"2026-11-25T14:00:00Z"}'],
    ['two values', '{} {}'],
    ['a bare word', 'ticks'],
  ])('%s → 400 bad_request', async (_name, raw) => {
    const res = await postTicks(ingest.app, raw);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('bad_request');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const res = await ingest.app.inject({
      method: 'POST',
      url: '/api/v1/ticks',
      payload: 'symbol=X&price=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('bad_request');
  });

  it('answers 400 to text/plain even when the text is JSON', async () => {
    const res = await postTicks(ingest.app, tick(uniqueSymbol()), { 'content-type': 'text/plain' });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('bad_request');
  });

  it('answers 400 to a request without a body', async () => {
    const res = await ingest.app.inject({ method: 'POST', url: '/api/v1/ticks' });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('bad_request');
  });

  it('answers 422 to an empty array', async () => {
    const res = await postTicks(ingest.app, '[]');
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it.each([
    ['null', 'null'],
    ['a string', '"GBPUSD"'],
    ['a nested array', '[[]]'],
  ])('answers 422 to %s', async (_name, raw) => {
    const res = await postTicks(ingest.app, raw);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.code).toBe('validation_failed');
  });
});

describe('errors outside the tick route', () => {
  let ingest: Ingest;
  let port: number;
  beforeAll(async () => {
    ingest = await startIngest();
    await ingest.app.listen({ host: '127.0.0.1', port: 0 });
    port = (ingest.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => ingest?.close());

  const send = (requestLine: string, headers: string[] = []) =>
    rawHttp(port, [requestLine, 'Host: localhost', ...headers, 'Connection: close', '', ''].join('\r\n'));

  it('answers too many ticks with 413 payload_too_large through the one error handler', async () => {
    const many = Array.from({ length: MAX_TICKS_PER_REQUEST + 1 }, () => tick('X'));
    const error = expectError(await postTicks(ingest.app, many), 413, 'payload_too_large');
    expect(error.message).toContain(String(MAX_TICKS_PER_REQUEST));
  });

  it('answers a wrong method on the tick path with 405 bad_request and Allow: POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await ingest.app.inject({ method, url: '/api/v1/ticks', headers: { 'x-request-id': 'trace-405' } });
      expectError(res, 405, 'bad_request');
      expect([res.headers.allow, res.headers['x-request-id']]).toEqual(['POST', 'trace-405']);
    }
  });

  it('keeps 404 not_found for a path that does not exist, whatever the method', async () => {
    expectError(await ingest.app.inject({ method: 'POST', url: '/api/v1/tick' }), 404, 'not_found');
    expectError(await ingest.app.inject({ method: 'DELETE', url: '/api/v2/ticks' }), 404, 'not_found');
  });

  it.each(['/%ff', '/api/v1/ticks/%ff', '/api/v1/%C0'])(
    'answers the malformed URL %s with 400 bad_request, without echoing it',
    async (path) => {
      const res = await send(`POST ${path} HTTP/1.1`, ['x-request-id: trace-bad-url', 'content-length: 0']);
      const error = expectWireError(res, 400, 'bad_request');
      expect(res.headers['x-request-id']).toBe('trace-bad-url');
      expect(error.message).not.toContain('%');
    },
  );

  it('answers a header section past the limit with 431 payload_too_large', async () => {
    const res = await send('POST /api/v1/ticks HTTP/1.1', [
      'content-type: application/json',
      `x-padding: ${'a'.repeat(maxHeaderSize * 2)}`,
    ]);
    expectWireError(res, 431, 'payload_too_large');
  });

  it('answers bytes that are not HTTP with 400 bad_request', async () => {
    expectWireError(await send('\u0001\u0002 nonsense'), 400, 'bad_request');
  });
});
