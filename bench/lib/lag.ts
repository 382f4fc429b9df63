/**
 * Whether the lag of a sustained step stays bounded, judged at the position service's commits.
 *
 * The tick lag is a saw tooth: it grows while a batch runs (the ticks posted meanwhile wait) and
 * falls when the batch commits. At 10,000 open positions a batch takes a fraction of a second; at
 * 100,000, with every symbol ticked, a batch marks 100,000 positions and takes seconds on this
 * machine, so a window of 10 s holds one or two teeth, and the slope of every sample in it says
 * where the window began and ended in a tooth rather than whether the lag grows. The lag at each
 * commit (the bottom of a tooth) is the backlog the service has not taken: when it does not grow
 * from commit to commit, the lag is bounded, whatever the period of the tooth. The outbox backlog
 * is judged the same way, by its lowest sample between two commits.
 */

/** One sample of a step's window. */
export interface LagSample {
  /** Seconds since the window began. */
  t: number;
  /** Ticks written to `market.ticks` so far (the sum of its partitions' end offsets). */
  written: number;
  /** Ticks the position service had marked then (the sum of the next offsets it has yet to mark). */
  marked: number;
  /** Events recorded in the outbox, not yet on Kafka. */
  outbox: number;
}

/** A commit of the position service: when (seconds since the window began), and the ticks marked once it committed. */
export interface Commit {
  t: number;
  marked: number;
}

export interface Point {
  t: number;
  y: number;
}

/** Least-squares slope of y over t (seconds). */
export function slope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((a, s) => a + s.t, 0) / n;
  const my = points.reduce((a, s) => a + s.y, 0) / n;
  const num = points.reduce((a, s) => a + (s.t - mt) * (s.y - my), 0);
  const den = points.reduce((a, s) => a + (s.t - mt) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/**
 * The tick lag at each commit that falls between two samples: the ticks written then (interpolated
 * between the samples around it: they grow with the rate offered) less the ticks marked once it
 * committed.
 */
export function lagAtCommits(samples: readonly LagSample[], commits: readonly Commit[]): Point[] {
  const out: Point[] = [];
  let i = 0;
  for (const c of commits) {
    while (i + 1 < samples.length && (samples[i + 1] as LagSample).t < c.t) i++;
    const a = samples[i];
    const b = samples[i + 1];
    if (!a || !b || a.t > c.t || b.t < c.t) continue;
    const written = b.t === a.t ? a.written : a.written + ((b.written - a.written) * (c.t - a.t)) / (b.t - a.t);
    out.push({ t: c.t, y: written - c.marked });
  }
  return out;
}

/**
 * The lowest outbox backlog sampled between each two consecutive commits, at the first of them;
 * only between commits the samples reach past (the samples of a tooth the window cut hold the
 * events its commit just recorded, not yet published).
 */
export function outboxBetweenCommits(samples: readonly LagSample[], commits: readonly Commit[]): Point[] {
  const out: Point[] = [];
  const end = samples.at(-1)?.t ?? Number.NEGATIVE_INFINITY;
  for (let k = 0; k + 1 < commits.length; k++) {
    const from = (commits[k] as Commit).t;
    const to = (commits[k + 1] as Commit).t;
    if (to > end) break;
    const within = samples.filter((s) => s.t >= from && s.t < to);
    if (within.length > 0) out.push({ t: from, y: Math.min(...within.map((s) => s.outbox)) });
  }
  return out;
}
