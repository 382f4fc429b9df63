/**
 * What the run prints: figures as they come, and every problem (a breach of the contract) and
 * note (something worth knowing that the contract allows) again at the end. Every line starts
 * with `[scale]`.
 */
export class Report {
  readonly problems: string[] = [];
  readonly notes: string[] = [];

  constructor(readonly t0: number) {}

  say(line: string): void {
    console.log(`[scale] ${line}`);
  }

  /** A line with the time since the load started. */
  event(line: string): void {
    this.say(`t=${secs(Date.now() - this.t0)} s  ${line}`);
  }

  problem(line: string): void {
    this.problems.push(line);
    this.say(`PROBLEM: ${line}`);
  }

  note(line: string): void {
    this.notes.push(line);
    this.say(`note: ${line}`);
  }
}

/** Milliseconds as seconds with one decimal. */
export const secs = (ms: number): string => (ms / 1000).toFixed(1);

/** `n` of something, with a plural `s` when needed. */
export const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The median of some numbers (undefined when there are none). */
export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
