import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Commit, type LagSample, lagAtCommits, outboxBetweenCommits, slope } from './lag.js';

/**
 * A position service posted `rate` ticks/s (written since an instant `rate`·t): batch k runs from
 * commit k-1 to commit k (`period` seconds, the first commit `phase` s into the window) and takes
 * every tick written before it began, at most `cap`. Sampled every 250 ms, as a step samples.
 */
function simulate(o: { rate: number; period: number; phase: number; seconds: number; cap?: number; outboxAt?: (k: number) => number }) {
  const commits: Commit[] = [];
  // Steady from before the window: the batch before the first began a period before it, and took every tick written until then.
  let began = o.phase - o.period;
  const before = o.rate * (began - o.period);
  let marked = before;
  for (let t = o.phase; t <= o.seconds; t += o.period) {
    marked += Math.min(o.rate * began - marked, o.cap ?? Number.POSITIVE_INFINITY);
    commits.push({ t, marked });
    began = t;
  }
  const samples: LagSample[] = [];
  for (let t = 0; t <= o.seconds; t += 0.25) {
    const done = commits.filter((c) => c.t <= t);
    const k = done.length;
    // The commit's events wait half a second in the outbox; `outboxAt(k)` are left behind for good.
    const recent = k > 0 && t - (done[k - 1] as Commit).t < 0.5 ? 1000 : 0;
    samples.push({ t, written: o.rate * t, marked: done.at(-1)?.marked ?? before, outbox: recent + (o.outboxAt?.(k) ?? 0) });
  }
  return { samples, commits };
}

describe('the lag at commits', () => {
  it('does not grow when each batch takes every tick written before it, whatever the window cuts of the saw tooth', () => {
    // 100,000 open positions: a batch of 8 s, and a window of 10 s that begins 1 s into a tooth.
    const { samples, commits } = simulate({ rate: 2000, period: 8, phase: 1, seconds: 40 });
    const points = lagAtCommits(samples, commits);
    expect(points.map((p) => p.y)).toEqual([16000, 16000, 16000, 16000, 16000]);
    expect(slope(points)).toBeCloseTo(0, 6);
    // Every sample of the first 10 s: the slope of one tooth, which the old verdict read as growth.
    const first = samples.filter((s) => s.t <= 10).map((s) => ({ t: s.t, y: s.written - s.marked }));
    expect(slope(first)).toBeGreaterThan(0.05 * 2000);
  });

  it('grows by what each batch leaves behind when a batch takes at most a fetch', () => {
    const { samples, commits } = simulate({ rate: 2000, period: 2, phase: 0.5, seconds: 20, cap: 3000 });
    // Each batch of 2 s takes 3,000 of the 4,000 ticks written meanwhile: 500 ticks/s left behind.
    expect(slope(lagAtCommits(samples, commits))).toBeCloseTo(500, 6);
  });

  it('leaves out a commit without a sample on each side', () => {
    const samples: LagSample[] = [
      { t: 0, written: 0, marked: 0, outbox: 0 },
      { t: 1, written: 100, marked: 0, outbox: 0 },
    ];
    expect(
      lagAtCommits(samples, [
        { t: 0.5, marked: 40 },
        { t: 1.5, marked: 90 },
      ]),
    ).toEqual([{ t: 0.5, y: 10 }]);
  });

  it('tells bounded from growing for any rate, period and phase (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 50, max: 30_000 }),
        fc.double({ min: 0.2, max: 9, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(fc.double({ min: 0.1, max: 0.9, noNaN: true })),
        (rate, period, phaseShare, share) => {
          const seconds = Math.max(10, 5 * period);
          const cap = share === null ? undefined : share * rate * period;
          const { samples, commits } = simulate({ rate, period, phase: phaseShare * period, seconds, ...(cap ? { cap } : {}) });
          const points = lagAtCommits(samples, commits);
          expect(points.length).toBeGreaterThanOrEqual(3);
          const s = slope(points);
          if (share === null) expect(Math.abs(s)).toBeLessThan(1e-6 * rate);
          else expect(s).toBeGreaterThan(0.05 * rate);
        },
      ),
    );
  });
});

describe('the outbox between commits', () => {
  it('is judged by its lowest sample between two commits, not by the events a commit just recorded', () => {
    const bounded = simulate({ rate: 2000, period: 3, phase: 0.6, seconds: 30 });
    expect(outboxBetweenCommits(bounded.samples, bounded.commits).every((p) => p.y === 0)).toBe(true);
    const growing = simulate({ rate: 2000, period: 3, phase: 0.6, seconds: 30, outboxAt: (k) => 50 * k });
    expect(slope(outboxBetweenCommits(growing.samples, growing.commits))).toBeCloseTo(50 / 3, 6);
  });

  it('leaves out the tooth the window cut: its samples hold the events its commit just recorded', () => {
    const { samples, commits } = simulate({ rate: 2000, period: 3, phase: 0.6, seconds: 30 });
    // The window ends 0.25 s after a commit; the commit after it comes later.
    const cut = samples.filter((s) => s.t <= 27.85);
    const points = outboxBetweenCommits(cut, [...commits, { t: 30.6, marked: 0 }]);
    expect(points.map((p) => p.t).at(-1)).toBeCloseTo(24.6, 6);
    expect(points.every((p) => p.y === 0)).toBe(true);
  });
});
