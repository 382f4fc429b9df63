import type { PositionJson } from '@cpt/contracts';
import type { JSX } from 'preact';
import { Num, Time } from '../ui/format.js';

export type PositionCommand = 'exit' | 'stop' | 'close';

/** The selected position: its figures beyond the table, its exits, and its commands. */
export function PositionPanel(props: { p: PositionJson; onCommand: (c: PositionCommand) => void; onClose: () => void }): JSX.Element {
  const { p } = props;
  const open = p.status === 'OPEN';
  return (
    <section class="panel" aria-labelledby="position-title" data-selected-position={p.id}>
      <header class="panel-head">
        <h2 id="position-title">
          {p.pattern_type} · {p.status} · entered <Time iso={p.entry_date} />
        </h2>
        <button type="button" class="link" onClick={props.onClose} aria-label="Close the position's details">
          ✕
        </button>
      </header>
      <dl class="facts">
        <dt>Shares at entry</dt>
        <dd>
          <Num value={p.shares} />
        </dd>
        <dt>Initial stop</dt>
        <dd>
          <Num value={p.initial_stop} />
        </dd>
        <dt>Initial risk</dt>
        <dd>
          <Num value={p.initial_risk} />
        </dd>
        <dt>Realized</dt>
        <dd>
          <Num value={p.realized_pnl} signed />
        </dd>
        <dt>Fees</dt>
        <dd>
          <Num value={p.fees} />
        </dd>
        <dt>Best / worst price</dt>
        <dd>
          <Num value={p.max_favorable_price} /> / <Num value={p.max_adverse_price} />
        </dd>
        <dt>Exit price</dt>
        <dd>
          <Num value={p.exit_price} />
        </dd>
        <dt>Closed</dt>
        <dd>
          <Time iso={p.closed_date} />
        </dd>
      </dl>
      {open && (
        <div class="actions left">
          <button type="button" onClick={() => props.onCommand('exit')}>
            Exit part…
          </button>
          <button type="button" onClick={() => props.onCommand('stop')}>
            Move stop…
          </button>
          <button type="button" onClick={() => props.onCommand('close')}>
            Close position…
          </button>
        </div>
      )}
      <h3>Exits</h3>
      {p.exits.length === 0 ? (
        <p class="muted">No exits.</p>
      ) : (
        <table class="compact">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col" class="right">
                Shares
              </th>
              <th scope="col" class="right">
                Price
              </th>
              <th scope="col" class="right">
                Fee
              </th>
              <th scope="col" class="right">
                Realized
              </th>
            </tr>
          </thead>
          <tbody>
            {p.exits.map((x) => (
              <tr key={x.id} data-exit-id={x.id}>
                <td>
                  <Time iso={x.date} />
                </td>
                <td>
                  <Num value={x.shares} />
                </td>
                <td>
                  <Num value={x.price} />
                </td>
                <td>
                  <Num value={x.fee} />
                </td>
                <td>
                  <Num value={x.realized_pnl} signed />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
