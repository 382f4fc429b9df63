import type { PositionJson } from '@cpt/contracts';
import { Component, createRef, type JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Age, Num, NumCell, Time } from '../ui/format.js';
import { ROW_PX, visibleRange, WINDOW_FROM } from './table-window.js';

/** Whether the viewer asked for less motion: then cells do not flash. */
const STILL = matchMedia('(prefers-reduced-motion: reduce)').matches;

/** The cells that flash when an update changes them. */
const LIVE_FIELDS = ['current_price', 'current_pnl', 'net_pnl', 'r_multiple'] as const;

/**
 * At most this many cells start a flash in one frame: a mark that moves every row says so by the
 * figures themselves, and a flash repaints its cell for as long as it lasts (measured: flashing
 * every changed cell of a 1,000-position campaign at 100 ticks/s dropped half the frames).
 */
const FLASHES_PER_FRAME = 48;
let flashesLeft = FLASHES_PER_FRAME;
let refill = 0;

/** Takes one flash of this frame's budget; false when it is spent. */
function takeFlash(): boolean {
  if (refill === 0)
    refill = requestAnimationFrame(() => {
      refill = 0;
      flashesLeft = FLASHES_PER_FRAME;
    });
  if (flashesLeft <= 0) return false;
  flashesLeft--;
  return true;
}

interface RowProps {
  p: PositionJson;
  /** The row's place in the whole table (1 is the header), for assistive technology. */
  index: number;
  selected: boolean;
  onSelect: (id: string) => void;
}

/**
 * One position. Re-rendered only when its position object changes (an update replaces the object
 * of each position it changes and keeps the others), so that a frame re-renders only what moved.
 */
class Row extends Component<RowProps> {
  private readonly row = createRef<HTMLTableRowElement>();

  override shouldComponentUpdate(next: RowProps): boolean {
    return next.p !== this.props.p || next.selected !== this.props.selected || next.index !== this.props.index;
  }

  override componentDidUpdate(prev: RowProps): void {
    const row = this.row.current;
    if (!row || STILL || prev.p.id !== this.props.p.id) return;
    for (const f of LIVE_FIELDS) {
      if (prev.p[f] === this.props.p[f]) continue;
      if (!takeFlash()) return;
      const cell = row.querySelector<HTMLElement>(`[data-field="${f}"]`);
      // Compositor-only animation of the background: no layout, no jump.
      cell?.animate([{ backgroundColor: 'var(--flash)' }, { backgroundColor: 'transparent' }], { duration: 600, easing: 'ease-out' });
    }
  }

  render({ p, index, selected, onSelect }: RowProps): JSX.Element {
    const open = p.status === 'OPEN';
    return (
      <tr
        ref={this.row}
        aria-rowindex={index}
        class={`${open ? 'open' : 'closed'}${selected ? ' selected' : ''}`}
        data-position-id={p.id}
        aria-selected={selected}
      >
        <th scope="row">
          <button
            type="button"
            class="link"
            onClick={() => onSelect(p.id)}
            aria-label={`${p.pattern_type} entered ${p.entry_date}: details`}
          >
            {p.pattern_type}
          </button>{' '}
          <span class={`badge ${open ? 'badge-open' : 'badge-closed'}`}>{p.status}</span>
        </th>
        <td>
          <Time iso={p.entry_date} />
        </td>
        <NumCell field="entry_price" value={p.entry_price} />
        <NumCell field="open_shares" value={p.open_shares} />
        <td data-field="stop_loss">
          <Num value={p.stop_loss} />
          {p.stop_breached_at && <BreachedBadge at={p.stop_breached_at} price={p.stop_breach_price} />}
        </td>
        <NumCell field="current_price" value={p.current_price} />
        <NumCell field="current_pnl" value={p.current_pnl} signed />
        <NumCell field="net_pnl" value={p.net_pnl} signed />
        <NumCell field="r_multiple" value={p.r_multiple} signed />
        <NumCell field="mfe_r" value={p.mfe_r} />
        <NumCell field="mae_r" value={p.mae_r} />
        <td data-field="marked_at">{open ? <Age iso={p.marked_at} /> : <span class="muted">closed</span>}</td>
      </tr>
    );
  }
}

/** A stop a tick has reached (section 8): when and at what price, on hover and for assistive technology. */
function BreachedBadge({ at, price }: { at: string; price: string | null }): JSX.Element {
  const when = `${at.replace('T', ' ').replace('Z', ' UTC')}`;
  return (
    <span class="badge badge-breached" title={`stop breached at ${price ?? '?'} on ${when}`}>
      breached
      <span class="visually-hidden">
        {' '}
        at {price} on {when}
      </span>
    </span>
  );
}

const HEADERS = ['Position', 'Entry date', 'Entry', 'Open shares', 'Stop', 'Price', 'P&L', 'Net P&L', 'R', 'MFE R', 'MAE R', 'Last mark'];

/**
 * The positions. A large campaign is windowed: the table scrolls in its own region and only the
 * rows in view exist, so that an update that marks every position costs the rows a trader sees,
 * not all of them; spacer rows keep the scroll height of the whole table.
 */
export function PositionsTable(props: {
  positions: readonly PositionJson[];
  selected: string | null;
  onSelect: (id: string) => void;
}): JSX.Element {
  const [view, setView] = useState({ top: 0, height: 800 });
  const frame = useRef(0);
  const onScroll = (e: Event) => {
    const el = e.currentTarget as HTMLElement;
    if (frame.current !== 0) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setView({ top: el.scrollTop, height: el.clientHeight });
    });
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  const count = props.positions.length;
  const windowed = count > WINDOW_FROM;
  const [first, last] = visibleRange(count, view.top, view.height);
  return (
    <section
      class={windowed ? 'table-wrap windowed' : 'table-wrap'}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must take the focus, or a keyboard cannot scroll it
      tabIndex={0}
      aria-label="Positions"
      onScroll={windowed ? onScroll : undefined}
    >
      <table class="positions" aria-rowcount={count + 1} data-rows={count}>
        <thead>
          <tr aria-rowindex={1}>
            {HEADERS.map((h, i) => (
              <th key={h} scope="col" class={i >= 2 ? 'right' : undefined}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {first > 0 && <tr class="spacer" style={{ height: `${first * ROW_PX}px` }} />}
          {props.positions.slice(first, last).map((p, i) => (
            <Row key={p.id} p={p} index={first + i + 2} selected={p.id === props.selected} onSelect={props.onSelect} />
          ))}
          {last < count && <tr class="spacer" style={{ height: `${(count - last) * ROW_PX}px` }} />}
        </tbody>
      </table>
      {count === 0 && <p class="muted empty">No positions yet.</p>}
    </section>
  );
}
