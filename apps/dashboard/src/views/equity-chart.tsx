import type { CampaignEquityJson, EquityInterval } from '@cpt/contracts';
import type { RestClient } from '@cpt/realtime-client/browser';
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describe, type Problem, ProblemBox } from '../ui/errors.js';

const MINUTE = 60_000;
const MAX_BUCKETS = 999;

/** The finest interval whose buckets from the campaign's creation to now stay within the API's 1,000. */
export function equityRange(createdAt: string, now: number): { from: string; interval: EquityInterval } {
  const created = Date.parse(createdAt);
  for (const [interval, ms] of [
    ['1m', MINUTE],
    ['1h', 60 * MINUTE],
  ] as const) {
    if (now - created < MAX_BUCKETS * ms) return { from: createdAt, interval };
  }
  return { from: new Date(Math.max(created, now - MAX_BUCKETS * 1440 * MINUTE)).toISOString(), interval: '1d' };
}

/**
 * The campaign's net and total P&L over time (lightweight-charts, loaded when first shown). The
 * figures are the server's; they become numbers only to be drawn.
 */
export function EquityChart(props: { rest: RestClient; campaignId: string; createdAt: string; version: number }): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const [data, setData] = useState<CampaignEquityJson | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    let live = true;
    props.rest.campaignEquity(props.campaignId, equityRange(props.createdAt, Date.now())).then(
      (d) => {
        if (live) {
          setData(d);
          setProblem(null);
        }
      },
      (e) => live && setProblem(describe(e)),
    );
    return () => {
      live = false;
    };
  }, [props.rest, props.campaignId, props.createdAt, props.version, tick]);
  useEffect(() => {
    const el = box.current;
    if (!el || !data) return;
    let disposed = false;
    let dispose: () => void = () => undefined;
    void import('./equity-plot.js').then(({ plotEquity }) => {
      if (!disposed) dispose = plotEquity(el, data.points);
    });
    return () => {
      disposed = true;
      dispose();
    };
  }, [data]);
  return (
    <section aria-labelledby="equity-title">
      <h2 id="equity-title">
        Equity <span class="muted">({data?.interval ?? '…'} buckets, UTC)</span>
      </h2>
      <ProblemBox problem={problem} />
      <figure class="chart-figure">
        <div ref={box} class="chart" />
        <figcaption class="muted">Net P&amp;L (green) and total P&amp;L (grey) after every change, by bucket.</figcaption>
      </figure>
    </section>
  );
}
