// Which rows of a long table exist in the page: only those in view, and a few beyond.

/** Every row is this tall (styles.css fixes it), so that the rows in view follow from the scroll offset. */
export const ROW_PX = 36;
/** Up to this many positions every row is rendered; past it only the rows in view, and a few beyond. */
export const WINDOW_FROM = 120;
/** Rows rendered beyond each edge of the view, so that a scroll shows rows already there. */
const OVERSCAN = 10;

/** The rows to render: all of a small table, or those around the scrolled-to part of a large one. */
export function visibleRange(count: number, scrollTop: number, viewPx: number): [number, number] {
  if (count <= WINDOW_FROM) return [0, count];
  const first = Math.max(0, Math.floor(scrollTop / ROW_PX) - OVERSCAN);
  return [first, Math.min(count, first + Math.ceil(viewPx / ROW_PX) + 2 * OVERSCAN)];
}
