import { percentiles } from './bench-env.js';

/**
 * What the dashboard stage runs inside the page, from the outside (the page has no hooks of its
 * own for it): scripts given to playwright as text, since bench/ compiles without the DOM's types.
 * The results are read back with `page.evaluate` from `window.__bench`.
 */

/** One page load, as the probe saw it (times in ms since navigation start, `performance.timeOrigin`). */
export interface LoadProbe {
  /** The DOM held every row and the totals (MutationObserver, right after the mutation). */
  rendered: number;
  /** The same, after the style and layout it forces at once (what the frame would do next). */
  laidOut: number;
  /** The first WebSocket `snapshot` message arrived. */
  snapshot: number | null;
  /** The document's DOMContentLoaded handlers were done. */
  domContentLoaded: number | null;
}

/** A `long-animation-frame` entry (ms). */
export interface LongFrame {
  start: number;
  duration: number;
  blocking: number;
  /** When the frame's rendering (rAF callbacks, style, layout, paint) began; 0 when it had none. */
  renderStart: number;
  styleAndLayoutStart: number;
  scripts: { invoker: string; duration: number; forcedStyleAndLayout: number }[];
}

/** A window of frames, as `FRAMES_STOP` returns it. */
export interface FrameWindow {
  /** performance.now() when the window began and ended. */
  from: number;
  to: number;
  /** Timestamps of the requestAnimationFrame callbacks (each frame's start). */
  frames: number[];
  /** `long-animation-frame` entries (ms): of each, when its rendering began and the scripts that ran longest. */
  loaf: LongFrame[];
  /** Times every WebSocket message arrived, and those that were `campaign_updated` events. */
  messages: number[];
  updates: number[];
  /** Of each update: when it arrived (Date.now()) minus its `totals.as_of` (the stamp of the tick that marked it), ms. */
  ages: number[];
  /** Characters received over the WebSocket in the window. */
  chars: number;
}

/**
 * The script every document of the stage's pages runs before its own: it puts the API key in this
 * tab's session storage (the page then skips its key form), counts the WebSocket's messages (the
 * constructor is wrapped, so that the probe's listener comes first), and notes when the table
 * holds `rows` rows and the totals show `totalShares`.
 */
export function loadProbe(origin: string, key: string, rows: number, totalShares: string): string {
  return `(() => {
  if (location.origin !== ${JSON.stringify(origin)}) return;
  sessionStorage.setItem('cpt.api-key', ${JSON.stringify(key)});
  const b = { rendered: null, laidOut: null, snapshot: null, messages: [], updates: [], ages: [], chars: 0 };
  window.__bench = b;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const t = performance.now();
        b.messages.push(t);
        if (typeof e.data !== 'string') return;
        b.chars += e.data.length;
        const head = e.data.slice(0, 120);
        if (head.includes('"campaign_updated"')) {
          b.updates.push(t);
          const at = e.data.indexOf('"as_of":"');
          if (at >= 0) b.ages.push(Date.now() - Date.parse(e.data.slice(at + 9, e.data.indexOf('"', at + 9))));
        } else if (b.snapshot === null && head.includes('"snapshot"')) b.snapshot = t;
      });
    }
  };
  const check = () => {
    // A large campaign is windowed: the table says how many rows it holds, and renders those in view.
    if (document.querySelector('table.positions')?.getAttribute('data-rows') !== '${rows}') return;
    if (!document.querySelector('tbody tr[data-position-id]')) return;
    const shares = document.querySelector('[data-total="total_shares"] dd');
    if (!shares || shares.textContent.trim() !== ${JSON.stringify(totalShares)}) return;
    b.rendered = performance.now();
    observer.disconnect();
    document.documentElement.getBoundingClientRect();
    b.laidOut = performance.now();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, characterData: true });
})();`;
}

/** Reads a load's probe once it has seen the page rendered (`null` until then). */
export const READ_LOAD = `(() => {
  const b = window.__bench;
  if (!b || b.laidOut === null) return null;
  const nav = performance.getEntriesByType('navigation')[0];
  return { rendered: b.rendered, laidOut: b.laidOut, snapshot: b.snapshot, domContentLoaded: nav ? nav.domContentLoadedEventEnd : null };
})()`;

/** Starts a window: a requestAnimationFrame loop and an observer of long animation frames. */
export const FRAMES_START = `(() => {
  const b = window.__bench;
  const w = { from: performance.now(), frames: [], loaf: [], stop: false, msg0: b.messages.length, upd0: b.updates.length, age0: b.ages.length, chars0: b.chars };
  const loop = (t) => {
    if (w.stop) return;
    w.frames.push(t);
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  w.entry = (e) => ({
    start: e.startTime,
    duration: e.duration,
    blocking: e.blockingDuration,
    renderStart: e.renderStart,
    styleAndLayoutStart: e.styleAndLayoutStart,
    scripts: [...e.scripts]
      .sort((a, b) => b.duration - a.duration)
      .slice(0, 3)
      .map((s) => ({ invoker: s.invoker, duration: s.duration, forcedStyleAndLayout: s.forcedStyleAndLayoutDuration })),
  });
  w.observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.loaf.push(w.entry(e));
  });
  w.observer.observe({ type: 'long-animation-frame' });
  b.window = w;
  return PerformanceObserver.supportedEntryTypes.includes('long-animation-frame');
})()`;

/** Ends the window and returns it (a FrameWindow). */
export const FRAMES_STOP = `(() => {
  const b = window.__bench;
  const w = b.window;
  const to = performance.now();
  w.stop = true;
  for (const e of w.observer.takeRecords()) w.loaf.push(w.entry(e));
  w.observer.disconnect();
  return {
    from: w.from,
    to,
    frames: w.frames,
    loaf: w.loaf.filter((e) => e.start >= w.from),
    messages: b.messages.slice(w.msg0),
    updates: b.updates.slice(w.upd0),
    ages: b.ages.slice(w.age0),
    chars: b.chars - w.chars0,
  };
})()`;

/** One frame at 60 Hz. */
export const FRAME_MS = 1000 / 60;

/** What a window of frames comes to. */
export interface FrameStats {
  seconds: number;
  messagesPerSecond: number;
  updatesPerSecond: number;
  /** Updates in each whole second of the window. */
  updatesEachSecond: number[];
  kibPerSecond: number;
  framesRendered: number;
  /** Frames rendered and dropped. */
  framesExpected: number;
  /** Σ over the frame intervals of round(interval / 16.67) − 1. */
  framesDropped: number;
  droppedPercent: number;
  longestFrameMs: number;
  longAnimationFrames: number;
  longestAnimationFrameMs: number;
  /** Σ of the long animation frames' blocking durations, per second. */
  blockingMsPerSecond: number;
  /** Age of the updates when they reached the page's main thread (tick stamp → message event), ms. */
  updateAgeMs: Record<string, number>;
}

/**
 * Frame intervals run from the window's start to its first frame, frame to frame, and from the
 * last frame to the window's end (when the page ran the script that ended it): a main thread
 * blocked at either end counts too. Dropped: Σ over the intervals of round(interval / 16.67) − 1
 * (an interval shorter than a frame and a half drops none); expected: rendered + dropped.
 */
export function frameStats(w: FrameWindow): FrameStats {
  const seconds = (w.to - w.from) / 1000;
  const times = [w.from, ...w.frames, w.to];
  let dropped = 0;
  let longest = 0;
  for (let i = 1; i < times.length; i++) {
    const interval = (times[i] as number) - (times[i - 1] as number);
    dropped += Math.max(0, Math.round(interval / FRAME_MS) - 1);
    longest = Math.max(longest, interval);
  }
  const expected = w.frames.length + dropped;
  const each = Array.from(
    { length: Math.floor(seconds) },
    (_, s) => w.updates.filter((t) => t >= w.from + s * 1000 && t < w.from + (s + 1) * 1000).length,
  );
  return {
    seconds,
    messagesPerSecond: w.messages.length / seconds,
    updatesPerSecond: w.updates.length / seconds,
    updatesEachSecond: each,
    kibPerSecond: w.chars / 1024 / seconds,
    framesRendered: w.frames.length,
    framesExpected: expected,
    framesDropped: dropped,
    droppedPercent: expected > 0 ? (dropped / expected) * 100 : 0,
    longestFrameMs: longest,
    longAnimationFrames: w.loaf.length,
    longestAnimationFrameMs: w.loaf.reduce((m, e) => Math.max(m, e.duration), 0),
    blockingMsPerSecond: w.loaf.reduce((s, e) => s + e.blocking, 0) / seconds,
    updateAgeMs: percentiles(w.ages, [50, 99]),
  };
}
