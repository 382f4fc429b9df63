import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedTick, PostResult } from './post-ticks.js';
import { type FeedStats, progressLine, runFeed } from './run-feed.js';
import { replayTicks, walkTicks } from './tick-sources.js';

const tick = (i: number): FeedTick => ({ symbol: 'X', price: `${i + 1}.00000000`, ts: '2026-11-25T14:00:00.000Z' });
const endless = (n: number) => Array.from({ length: n }, (_, i) => tick(i));

describe('runFeed', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-25T14:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const accept = async (ticks: readonly FeedTick[]): Promise<PostResult> => ({ ok: true, accepted: ticks.length });

  it('sends at the rate asked for, in batches, until the duration is up', async () => {
    const sentAt: number[] = [];
    const run = runFeed({
      take: endless,
      post: async (t) => {
        sentAt.push(Date.now());
        return accept(t);
      },
      rate: 100,
      batch: 10,
      durationMs: 1000,
      stop: new AbortController().signal,
    });
    await vi.advanceTimersByTimeAsync(1500);
    const stats = await run;
    expect(stats).toMatchObject({ requests: 10, ticksSent: 100, acceptedRequests: 10, acceptedTicks: 100, errors: 0 });
    const t0 = sentAt[0] as number;
    expect(sentAt.map((t) => t - t0)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  });

  it('with rate 0, sends one batch after the other until the source runs dry', async () => {
    const batches: number[] = [];
    const stats = await runFeed({
      take: replayTicks(Array.from({ length: 25 }, (_, i) => ({ ...tick(i), line: i + 2 }))),
      post: async (t) => {
        batches.push(t.length);
        return accept(t);
      },
      rate: 0,
      batch: 10,
      stop: new AbortController().signal,
    });
    expect(batches).toEqual([10, 10, 5]);
    expect(stats).toMatchObject({ requests: 3, ticksSent: 25, acceptedTicks: 25 });
  });

  it('counts the requests that were not accepted and keeps the last reason', async () => {
    let n = 0;
    const stats = await runFeed({
      take: (k) => (n++ < 3 ? endless(k) : []),
      post: async (t) => (n === 2 ? { ok: false, error: '503 unavailable: Kafka is down' } : accept(t)),
      rate: 0,
      batch: 2,
      stop: new AbortController().signal,
    });
    expect(stats).toMatchObject({
      requests: 3,
      acceptedRequests: 2,
      acceptedTicks: 4,
      errors: 1,
      lastError: '503 unavailable: Kafka is down',
    });
  });

  it('stops after the request in flight when asked to', async () => {
    const stop = new AbortController();
    let calls = 0;
    const run = runFeed({
      take: endless,
      post: async (t) => {
        calls++;
        if (calls === 3) stop.abort();
        return accept(t);
      },
      rate: 10,
      batch: 1,
      stop: stop.signal,
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(await run).toMatchObject({ requests: 3, acceptedTicks: 3 });
  });

  it('stops sleeping at once when asked to', async () => {
    const stop = new AbortController();
    const run = runFeed({ take: endless, post: accept, rate: 0.01, batch: 1, stop: stop.signal });
    await vi.advanceTimersByTimeAsync(10);
    stop.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(await run).toMatchObject({ requests: 1 });
  });

  it('after a slow answer, catches up by at most a second', async () => {
    let calls = 0;
    const run = runFeed({
      take: endless,
      post: async (t) => {
        calls++;
        if (calls === 1) await new Promise((r) => setTimeout(r, 5000));
        return accept(t);
      },
      rate: 10,
      batch: 1,
      durationMs: 6000,
      stop: new AbortController().signal,
    });
    await vi.advanceTimersByTimeAsync(7000);
    // 1 request, a 5 s wait, then ~10 catching up at once and 10 more over the last second.
    const stats = await run;
    expect(stats.requests).toBeGreaterThanOrEqual(20);
    expect(stats.requests).toBeLessThanOrEqual(22);
  });

  it('reports progress while it runs', async () => {
    const seen: FeedStats[] = [];
    const run = runFeed({
      take: endless,
      post: accept,
      rate: 10,
      batch: 1,
      durationMs: 7000,
      stop: new AbortController().signal,
      progressEveryMs: 3000,
      onProgress: (s) => seen.push(s),
    });
    await vi.advanceTimersByTimeAsync(8000);
    await run;
    expect(seen.map((s) => s.elapsedMs)).toEqual([3000, 6000]);
    expect(seen[0]?.ticksSent).toBe(30);
  });
});

describe('progressLine', () => {
  it('says what was sent, accepted and refused', () => {
    const s: FeedStats = {
      requests: 20,
      ticksSent: 100,
      acceptedRequests: 19,
      acceptedTicks: 95,
      errors: 1,
      lastError: '503 unavailable',
      elapsedMs: 2000,
    };
    expect(progressLine(s)).toBe(
      'feed 2.0s  sent 100 ticks in 20 requests  202: 19 (95 ticks)  errors: 1  50.0 ticks/s  last error: 503 unavailable',
    );
    expect(progressLine({ ...s, errors: 0, lastError: undefined })).not.toContain('last error');
  });
});

describe('tick sources', () => {
  it('stamps walk ticks with the time they are taken, as UTC, each symbol strictly later than before', () => {
    let i = 0;
    const symbols = ['X', 'Y', 'X'];
    let now = new Date('2026-11-25T15:00:00+01:00');
    const take = walkTicks(
      () => ({ symbol: symbols[i % 3] as string, price: `${++i}.00000000` }),
      'feed',
      () => now,
    );
    expect(take(3)).toEqual([
      { symbol: 'X', price: '1.00000000', ts: '2026-11-25T14:00:00.000Z', source: 'feed' },
      { symbol: 'Y', price: '2.00000000', ts: '2026-11-25T14:00:00.000Z', source: 'feed' },
      { symbol: 'X', price: '3.00000000', ts: '2026-11-25T14:00:00.001Z', source: 'feed' },
    ]);
    expect(take(1)[0]?.ts).toBe('2026-11-25T14:00:00.002Z');
    now = new Date('2026-11-25T14:00:05Z');
    expect(take(1)[0]?.ts).toBe('2026-11-25T14:00:05.000Z');
  });

  it('gives replay rows in order, without their line numbers, then nothing', () => {
    const take = replayTicks([
      { symbol: 'A', price: '1', ts: 't1', line: 2 },
      { symbol: 'B', price: '2', ts: 't2', source: 's', line: 3 },
      { symbol: 'C', price: '3', ts: 't3', line: 4 },
    ]);
    expect(take(2)).toEqual([
      { symbol: 'A', price: '1', ts: 't1' },
      { symbol: 'B', price: '2', ts: 't2', source: 's' },
    ]);
    expect(take(2)).toEqual([{ symbol: 'C', price: '3', ts: 't3' }]);
    expect(take(2)).toEqual([]);
  });
});
