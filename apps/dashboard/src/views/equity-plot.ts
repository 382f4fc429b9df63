import type { EquityPointJson } from '@cpt/contracts';
import { ColorType, createChart, LineSeries, type UTCTimestamp } from 'lightweight-charts';

/** Draws the points into `el`; returns what removes the chart. */
export function plotEquity(el: HTMLElement, points: readonly EquityPointJson[]): () => void {
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const chart = createChart(el, {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: dark ? '#cbd5e1' : '#334155' },
    grid: { vertLines: { visible: false }, horzLines: { color: dark ? '#1e293b' : '#e2e8f0' } },
    timeScale: { timeVisible: true, secondsVisible: false },
    localization: { priceFormatter: (v: number) => v.toFixed(2) },
  });
  const series = (field: 'net_pnl' | 'total_pnl', color: string) => {
    const s = chart.addSeries(LineSeries, { color, lineWidth: 2, title: field === 'net_pnl' ? 'net' : 'total' });
    // Drawn only: a chart needs numbers; every figure shown as text elsewhere is the server's string.
    s.setData(points.map((p) => ({ time: (Date.parse(p.t) / 1000) as UTCTimestamp, value: Number(p[field]) })));
  };
  series('total_pnl', '#64748b');
  series('net_pnl', '#16a34a');
  chart.timeScale().fitContent();
  return () => chart.remove();
}
