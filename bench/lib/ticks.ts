import { Agent, request } from 'node:http';
import type { OutgoingMessage } from '@cpt/messaging';
import type { FeedTick } from '../../services/price-ingest/src/feed/post-ticks.js';
import { createWalk, seededRandom } from '../../services/price-ingest/src/feed/random-walk.js';
import { walkTicks } from '../../services/price-ingest/src/feed/tick-sources.js';
import { symbolName } from './scenario.js';

export type { FeedTick };

/**
 * The seeded random walk of the scenario's symbols (the feed's own walk, every price starting at
 * 100), stamped by `clock`: each call of the result takes the next `n` ticks, a symbol's
 * timestamps strictly increasing. The walk visits the symbols in turn; they are shuffled (with
 * the same seed) so that the symbols of campaigns, 0 to 199, are spread over every second. The
 * symbols are `SYM00000`… unless another `prefix` is given (see `seed`).
 */
export function tickStream(symbols: number, seed: number, clock?: () => Date, prefix?: string): (n: number) => FeedTick[] {
  const names = Array.from({ length: symbols }, (_, i) => symbolName(i, prefix));
  const random = seededRandom(seed);
  for (let i = names.length - 1; i > 0; i--) {
    const j = random() % (i + 1);
    [names[i], names[j]] = [names[j] as string, names[i] as string];
  }
  return walkTicks(createWalk({ symbols: names, seed, startUnits: new Map() }), 'bench', clock);
}

/**
 * A clock for ticks of the past: it starts `agoMs` before now and moves `stepMs` per call, so
 * that ticks replayed through Kafka mark positions without running ahead of the ticks stamped
 * with the time they are posted.
 */
export function pastClock(agoMs: number, stepMs: number): () => Date {
  let at = Date.now() - agoMs;
  return () => {
    at += stepMs;
    return new Date(at);
  };
}

/** The `market.ticks` message price-ingest publishes for a tick (same key, value and header). */
export function tickMessage(t: FeedTick, requestId: string, ingestedAt: string): OutgoingMessage {
  const value = JSON.stringify({ v: 1, symbol: t.symbol, price: t.price, ts: t.ts, source: t.source ?? 'bench', ingested_at: ingestedAt });
  return { key: t.symbol, value, headers: { 'x-request-id': requestId } };
}

export const ndjson = (ticks: readonly FeedTick[]): string => `${ticks.map((t) => JSON.stringify(t)).join('\n')}\n`;

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One POST with the API key over a kept-alive connection; resolves with the status and the body text. */
export function post(url: string, key: string, body: string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${key}`, 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts ticks with the API key and fails unless price-ingest answers 202. */
export async function postTicks(ingestUrl: string, key: string, body: string, contentType = 'application/json'): Promise<void> {
  const r = await post(`${ingestUrl}/api/v1/ticks`, key, body, contentType);
  if (r.status !== 202) throw new Error(`price-ingest answered ${r.status}: ${r.text.slice(0, 300)}`);
}

/** Closes the kept-alive connections. */
export const closeHttp = (): void => agent.destroy();
