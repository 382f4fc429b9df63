import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
/** pino's level, written as a number or (with a label formatter) as its name. */
const levelOf = (level: number | string | undefined): number => (typeof level === 'number' ? level : (LEVELS[level ?? ''] ?? 0));

/** Log lines worth counting even at level info: they say how the services rode the faults. */
const INFO_WORTH_COUNTING = new Set(['gap before an event; sending a fresh snapshot', 'client fell behind; conflating its updates']);

/**
 * The warnings and errors (and the info lines above) of every service process of the run, counted
 * per service and message, from the log files the processes wrote: `service: message ×N` lines,
 * most frequent first.
 */
export function summarizeLogs(dir: string): string[] {
  const counts = new Map<string, number>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
    const service = file.replace(/-\d+\.\d+\.log$/, '');
    for (const text of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!text.startsWith('{')) continue;
      let line: { level?: number | string; msg?: string };
      try {
        line = JSON.parse(text) as { level?: number | string; msg?: string };
      } catch {
        continue;
      }
      const msg = line.msg ?? '';
      if (levelOf(line.level) < 40 && !INFO_WORTH_COUNTING.has(msg)) continue;
      const key = `${service}: ${msg.slice(0, 120)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${key} ×${n}`);
}
