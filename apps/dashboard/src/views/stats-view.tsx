import type { PatternStatsJson } from '@cpt/contracts';
import type { RestClient } from '@cpt/realtime-client/browser';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describe, type Problem, ProblemBox } from '../ui/errors.js';
import { Num } from '../ui/format.js';

const duration = (seconds: number): string =>
  seconds < 3600
    ? `${Math.round(seconds / 60)} min`
    : seconds < 172_800
      ? `${(seconds / 3600).toFixed(1)} h`
      : `${(seconds / 86_400).toFixed(1)} d`;

/** Per-pattern statistics over the account's closed positions. */
export function StatsView({ rest }: { rest: RestClient }): JSX.Element {
  const [side, setSide] = useState<'' | 'LONG' | 'SHORT'>('');
  const [items, setItems] = useState<PatternStatsJson[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    let live = true;
    rest.patternStats(side ? { side } : {}).then(
      (r) => {
        if (live) {
          setItems(r.items);
          setProblem(null);
        }
      },
      (e) => live && setProblem(describe(e)),
    );
    return () => {
      live = false;
    };
  }, [rest, side]);
  return (
    <section aria-labelledby="stats-title">
      <header class="page-head">
        <h1 id="stats-title">Statistics by pattern</h1>
        <label>
          Side{' '}
          <select value={side} onChange={(e) => setSide((e.currentTarget as HTMLSelectElement).value as typeof side)}>
            <option value="">both</option>
            <option value="LONG">LONG</option>
            <option value="SHORT">SHORT</option>
          </select>
        </label>
      </header>
      <ProblemBox problem={problem} />
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls sideways must take the focus, or a keyboard cannot scroll it */}
      <section class="table-wrap" tabIndex={0} aria-label="Statistics">
        <table>
          <thead>
            <tr>
              <th scope="col">Pattern</th>
              <th scope="col" class="right">
                Closed
              </th>
              <th scope="col" class="right">
                Wins
              </th>
              <th scope="col" class="right">
                Losses
              </th>
              <th scope="col" class="right">
                Win rate
              </th>
              <th scope="col" class="right">
                Avg R
              </th>
              <th scope="col" class="right">
                Net P&amp;L
              </th>
              <th scope="col" class="right">
                Avg holding
              </th>
              <th scope="col" class="right">
                Avg MFE R
              </th>
              <th scope="col" class="right">
                Avg MAE R
              </th>
            </tr>
          </thead>
          <tbody>
            {(items ?? []).map((s) => (
              <tr key={s.pattern_type} data-pattern={s.pattern_type}>
                <th scope="row">{s.pattern_type}</th>
                <td class="right num">{s.closed_positions}</td>
                <td class="right num">{s.wins}</td>
                <td class="right num">{s.losses}</td>
                <td>
                  <Num value={s.win_rate} />
                </td>
                <td>
                  <Num value={s.avg_r_multiple} signed />
                </td>
                <td>
                  <Num value={s.total_net_pnl} signed />
                </td>
                <td class="right num" title={`${s.avg_holding_seconds} s`}>
                  {duration(s.avg_holding_seconds)}
                </td>
                <td>
                  <Num value={s.avg_mfe_r} />
                </td>
                <td>
                  <Num value={s.avg_mae_r} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {items?.length === 0 && <p class="muted empty">No closed positions yet.</p>}
      </section>
    </section>
  );
}
