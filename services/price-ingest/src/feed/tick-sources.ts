import { fieldIssues, tickInput } from '@cpt/contracts';
import { CsvError, type CsvTick } from './csv-ticks.js';
import type { FeedTick } from './post-ticks.js';
import type { WalkTick } from './random-walk.js';

/**
 * Ticks of a walk, stamped with the time they are taken. A symbol's ticks get strictly increasing
 * timestamps (a millisecond apart at least), because a mark ignores a tick no later than the last
 * one; past 1,000 ticks a second per symbol they run ahead of the clock.
 */
export function walkTicks(step: () => WalkTick, source = 'feed', clock: () => Date = () => new Date()): (n: number) => FeedTick[] {
  const last = new Map<string, number>();
  return (n) => {
    const now = clock().getTime();
    return Array.from({ length: n }, () => {
      const t = step();
      const at = Math.max(now, (last.get(t.symbol) ?? Number.NEGATIVE_INFINITY) + 1);
      last.set(t.symbol, at);
      return { ...t, ts: new Date(at).toISOString(), source };
    });
  };
}

/** The rows of a replay file, in file order, then nothing. */
export function replayTicks(rows: readonly CsvTick[]): (n: number) => FeedTick[] {
  let at = 0;
  return (n) => {
    const out = rows.slice(at, at + n).map(({ line: _, ...tick }) => tick);
    at += out.length;
    return out;
  };
}

/**
 * Checks every row against the contract before anything is sent, so that a bad file is reported
 * by line instead of as rejected requests.
 */
export function checkReplayRows(rows: readonly CsvTick[], maxFaults = 10): void {
  const faults: string[] = [];
  for (const row of rows) {
    const { line, ...tick } = row;
    const r = tickInput.safeParse(tick);
    if (!r.success) for (const f of fieldIssues(r.error)) faults.push(`line ${line}: ${f.path}: ${f.message}`);
    if (faults.length >= maxFaults) break;
  }
  if (rows.length === 0) faults.push('the file has no ticks');
  if (faults.length > 0) throw new CsvError(faults.slice(0, maxFaults).join('\n'));
}

/**
 * The rows of a replay file moved in time by one amount, so that the latest of them is dated `now`
 * and the spacing between them is kept (`--shift-to-now`): a recorded session then marks positions
 * opened before it starts. Takes rows {@link checkReplayRows} has passed.
 */
export function shiftToNow(rows: readonly CsvTick[], now: Date): { rows: CsvTick[]; shiftMs: number } {
  const times = rows.map((r) => Date.parse(r.ts));
  let latest = Number.NEGATIVE_INFINITY;
  for (const t of times) if (t > latest) latest = t;
  const shiftMs = rows.length === 0 ? 0 : now.getTime() - latest;
  return { rows: rows.map((r, i) => ({ ...r, ts: new Date((times[i] as number) + shiftMs).toISOString() })), shiftMs };
}
