/** A tick as the feed posts it. */
export interface FeedTick {
  symbol: string;
  price: string;
  ts: string;
  source?: string;
}

/** How one request went: the ticks Kafka took, or why none were. */
export type PostResult = { ok: true; accepted: number } | { ok: false; error: string };

export type PostTicks = (ticks: readonly FeedTick[]) => Promise<PostResult>;

/** Posts batches of ticks as JSON arrays to price-ingest's `POST /api/v1/ticks`, with an API key. */
export function httpPoster(url: string, apiKey: string, timeoutMs = 15_000): PostTicks {
  return async (ticks) => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify(ticks),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, a timeout, ...).
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return { ok: false, error: cause?.code ?? cause?.message ?? (err as Error).message };
    }
    const body = (await res.json().catch(() => undefined)) as
      | { accepted?: number; error?: { code?: string; message?: string } }
      | undefined;
    if (res.status === 202) return { ok: true, accepted: body?.accepted ?? ticks.length };
    const why = body?.error ? `${body.error.code}: ${body.error.message}` : res.statusText;
    return { ok: false, error: `${res.status} ${why}` };
  };
}
