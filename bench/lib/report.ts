import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../libs/testkit/src/infra.js';

/** One measured figure, beside its baseline measured in the same run. */
export interface Figure {
  stage: string;
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** What issue 5 asks of this figure, and whether this run meets it. */
  target?: { text: string; met: boolean };
  note?: string;
  /** CPU of each component while the figure was measured, in % of one core. */
  cpu?: Record<string, number>;
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  loadAtStart: number[];
  loadAtEnd?: number[];
}

export const machine = (): Machine => ({
  cores: cpus().length,
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  kernel: `Linux ${release()}`,
  loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
});

/** Installed versions of the packages the stages exercise. */
export function packageVersions(): Record<string, string> {
  const names = ['kafkajs', 'fastify', '@fastify/websocket', 'ws', 'pg', '@mikro-orm/core', 'pino', 'zod', 'autocannon'];
  return Object.fromEntries(
    names.map((n) => {
      try {
        return [n, (JSON.parse(readFileSync(join(repoRoot(), 'node_modules', n, 'package.json'), 'utf8')) as { version: string }).version];
      } catch {
        return [n, 'missing'];
      }
    }),
  );
}

const number = (v: number): string => {
  if (!Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
};

export const ratioOf = (f: Figure): number | undefined => (f.baseline && f.baseline.value > 0 ? f.value / f.baseline.value : undefined);

export interface RunHeader {
  startedAt: string;
  seconds: number;
  profile: 'full' | 'quick';
  machine: Machine;
  versions: Record<string, string>;
  scenario: string;
  definitions: string[];
}

/** The Markdown of a run: what ran where, then one row per figure. */
export function markdown(h: RunHeader, figures: readonly Figure[]): string {
  const v = h.versions;
  const m = h.machine;
  const lines = [
    `### ${h.startedAt.slice(0, 19).replace('T', ' ')} UTC, ${h.profile} profile (${Math.round(h.seconds)} s)`,
    '',
    `- Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ${m.kernel}; load average ${m.loadAtStart.join(' ')} at the start, ${m.loadAtEnd?.join(' ') ?? '?'} at the end.`,
    `- Versions: Node.js ${v.node}, PostgreSQL ${v.postgresql}, Kafka ${v.kafka}; ${Object.entries(v)
      .filter(([k]) => !['node', 'postgresql', 'kafka'].includes(k))
      .map(([k, x]) => `${k} ${x}`)
      .join(', ')}.`,
    `- Scenario: ${h.scenario}.`,
    ...h.definitions.map((d) => `- ${d}`),
    '',
    '| stage | figure | value | baseline (same run) | baseline value | ratio | target |',
    '| --- | --- | ---: | --- | ---: | ---: | --- |',
    ...figures.map((f) => {
      const r = ratioOf(f);
      const target = f.target ? `${f.target.met ? 'met' : '**missed**'}: ${f.target.text}` : '';
      return `| ${f.stage} | ${f.name}${f.note ? ` (${f.note})` : ''} | ${number(f.value)} ${f.unit} | ${f.baseline?.name ?? '—'} | ${
        f.baseline ? `${number(f.baseline.value)} ${f.unit}` : '—'
      } | ${r === undefined ? '—' : `${r.toFixed(2)}×`} | ${target} |`;
    }),
    '',
  ];
  const withCpu = figures.filter((f) => f.cpu);
  if (withCpu.length > 0) {
    const order = ['price-ingest', 'position', 'gateway', 'PostgreSQL', 'Kafka', 'load generator', 'WebSocket clients', 'baseline servers'];
    const last = ['whole machine', 'of which stolen by the host'];
    const rank = (c: string) => (last.includes(c) ? 99 + last.indexOf(c) : order.indexOf(c) < 0 ? 50 : order.indexOf(c));
    const components = [...new Set(withCpu.flatMap((f) => Object.keys(f.cpu ?? {})))]
      .filter((c) => withCpu.some((f) => (f.cpu?.[c] ?? 0) >= 3))
      .sort((a, b) => rank(a) - rank(b));
    lines.push(
      `CPU while each figure was measured, in % of one core (the machine has ${m.cores * 100}%):`,
      '',
      `| figure | ${components.join(' | ')} |`,
      `| --- | ${components.map(() => '---:').join(' | ')} |`,
      ...withCpu.map((f) => `| ${f.stage}: ${f.name} | ${components.map((c) => f.cpu?.[c] ?? '').join(' | ')} |`),
      '',
    );
  }
  return lines.join('\n');
}
