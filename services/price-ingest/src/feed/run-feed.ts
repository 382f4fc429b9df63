import type { FeedTick, PostTicks } from './post-ticks.js';

/** What the feed has done so far. */
export interface FeedStats {
  requests: number;
  ticksSent: number;
  /** Requests answered 202. */
  acceptedRequests: number;
  acceptedTicks: number;
  errors: number;
  lastError: string | undefined;
  elapsedMs: number;
}

export interface RunFeedOptions {
  /** The next `n` ticks to send, stamped now; fewer (or none) once a replay is done. */
  take: (n: number) => FeedTick[];
  post: PostTicks;
  /** Ticks per second; 0 sends the next batch as soon as the last one is answered. */
  rate: number;
  batch: number;
  durationMs?: number | undefined;
  /** Aborting stops the feed after the request in flight. */
  stop: AbortSignal;
  onProgress?: (stats: FeedStats) => void;
  progressEveryMs?: number;
  now?: () => number;
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  if (ms <= 0 || stop.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener('abort', done, { once: true });
  });
}

/**
 * Sends batches at the rate asked for, one request at a time so that a symbol's ticks arrive in
 * order. A feed that falls behind (a slow answer) catches up by at most a second, not in a burst.
 */
export async function runFeed(opts: RunFeedOptions): Promise<FeedStats> {
  const now = opts.now ?? Date.now;
  const started = now();
  const stats: FeedStats = {
    requests: 0,
    ticksSent: 0,
    acceptedRequests: 0,
    acceptedTicks: 0,
    errors: 0,
    lastError: undefined,
    elapsedMs: 0,
  };
  const snapshot = () => ({ ...stats, elapsedMs: now() - started });
  const progress = opts.onProgress ? setInterval(() => opts.onProgress?.(snapshot()), opts.progressEveryMs ?? 3000) : undefined;
  const end = opts.durationMs === undefined ? Number.POSITIVE_INFINITY : started + opts.durationMs;
  let paceFrom = started;
  let paced = 0;
  try {
    while (!opts.stop.aborted && now() < end) {
      if (opts.rate > 0) {
        const due = paceFrom + (paced / opts.rate) * 1000;
        const late = now() - due;
        if (late > 1000) {
          paceFrom += late - 1000;
        }
        await sleep(Math.min(due, end) - now(), opts.stop);
        if (opts.stop.aborted || now() >= end) break;
      }
      const ticks = opts.take(opts.batch);
      if (ticks.length === 0) break;
      stats.requests++;
      stats.ticksSent += ticks.length;
      paced += ticks.length;
      const r = await opts.post(ticks);
      if (r.ok) {
        stats.acceptedRequests++;
        stats.acceptedTicks += r.accepted;
      } else {
        stats.errors++;
        stats.lastError = r.error;
      }
    }
  } finally {
    if (progress) clearInterval(progress);
  }
  return snapshot();
}

/** One line for people watching: what was sent, what was accepted, what failed. */
export function progressLine(s: FeedStats): string {
  const secs = s.elapsedMs / 1000;
  const rate = secs > 0 ? s.ticksSent / secs : 0;
  const line = `feed ${secs.toFixed(1)}s  sent ${s.ticksSent} ticks in ${s.requests} requests  202: ${s.acceptedRequests} (${s.acceptedTicks} ticks)  errors: ${s.errors}  ${rate.toFixed(1)} ticks/s`;
  return s.lastError === undefined ? line : `${line}  last error: ${s.lastError}`;
}
