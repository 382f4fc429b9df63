import type { Fleet } from './fleet.js';
import type { HttpLog } from './http-log.js';
import type { MarkTimeline } from './marks-watch.js';
import { median, type Report, secs } from './report.js';
import type { Fault } from './run-steps.js';

const cell = (xs: readonly (number | undefined)[]): string => {
  const seen = xs.filter((x): x is number => x !== undefined);
  if (seen.length === 0) return 'no mark';
  const missing = xs.length - seen.length;
  return `${secs(Math.max(...seen))} / ${secs(median(seen) as number)}${missing > 0 ? ` (${missing} none)` : ''}`;
};

/**
 * The marks stall of each fault: from the fault to the first mark of each symbol from a tick fed
 * after it, seen in PostgreSQL and through each gateway's WebSocket; and the same measured once a
 * second before the first fault, for comparison.
 */
export function printFaults(
  report: Report,
  timeline: MarkTimeline,
  symbols: readonly string[],
  faults: readonly Fault[],
  loadStart: number,
): void {
  const sources = timeline.sources();
  const label = (s: string) => (s === 'postgres' ? 'PostgreSQL' : `${s} WS`);
  const width = Math.max(30, ...faults.map((f) => f.label.length + 10));
  report.say(`marks stall, seconds from each fault to the first mark of a tick fed after it: max / median over ${symbols.length} symbols`);
  report.say(`  ${'what'.padEnd(width)}${sources.map((s) => label(s).padEnd(20)).join('')}`);
  const firstFault = faults[0]?.at ?? Date.now();
  const instants: number[] = [];
  for (let at = loadStart + 5000; at < firstFault - 1000; at += 1000) instants.push(at);
  if (instants.length > 0) {
    const row = sources.map((s) => cell(instants.flatMap((at) => symbols.map((sym) => timeline.stall(s, sym, at)))).padEnd(20));
    report.say(`  ${`before any fault (${instants.length} instants)`.padEnd(width)}${row.join('')}`);
  }
  for (const f of faults) {
    const row = sources.map((s) => cell(symbols.map((sym) => timeline.stall(s, sym, f.at))).padEnd(20));
    report.say(`  ${`t=${secs(f.at - report.t0)} ${f.label}`.padEnd(width)}${row.join('')}`);
  }
}

/** HTTP answers by service and status, every answer outside 2xx and 503, requests without an answer, and the 503 episodes. */
export function printHttp(report: Report, http: HttpLog, fleet: Fleet, faults: readonly Fault[]): void {
  const parts = [...http.byService].map(
    ([service, statuses]) =>
      `${service} ${[...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([status, n]) => `${status} ×${n}`)
        .join(', ')}`,
  );
  report.say(`HTTP answers during the run: ${parts.join('; ')}`);
  report.say(
    `HTTP answers other than 2xx or 503: ${http.unexpected.length}; requests without an answer: ${http.noAnswer.length}` +
      (http.cut.length > 0 ? ` (besides ${http.cut.length} in flight to a process when it was killed)` : ''),
  );
  for (const o of http.unexpected.slice(0, 10)) report.problem(`t=${secs(o.at)} ${o.who} ${o.what}: ${o.status} ${o.detail}`);
  for (const o of http.noAnswer.slice(0, 10)) report.problem(`t=${secs(o.at)} ${o.who} ${o.what}: no answer (${o.detail})`);
  const episodes = http.episodes();
  const total = episodes.reduce((n, e) => n + e.count, 0);
  report.say(
    `503 answers: ${total}, in ${episodes.length} episodes${episodes.length > 0 ? ' (instance, request, from-to since the start, length, answers, the fault before)' : ''}`,
  );
  for (const e of episodes) {
    const before = [...faults].reverse().find((f) => f.at - report.t0 <= e.from);
    report.say(
      `  ${e.who.padEnd(15)} ${e.what.padEnd(38)} t=${secs(e.from)}-${secs(e.to)} s  ${secs(e.to - e.from)} s  ${e.count} answers  after "${before?.label ?? 'start'}"`,
    );
  }
  if (fleet.exits.length > 0) {
    report.say(`graceful shutdowns (SIGTERM): ${fleet.exits.map((x) => `${x.name} exit ${x.code} after ${secs(x.ms)} s`).join('; ')}`);
  }
}
