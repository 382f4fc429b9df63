/**
 * The top frames of V8 CPU profiles (`node --cpu-prof`), by self time and by total time, as a
 * share of the busy time (idle left out).
 *
 *   npx tsx bench/profile-summary.ts <dir or .cpuprofile>... [--top 15]
 *
 * `npm run bench -- --profile DIR` writes one profile per service under DIR/<service>/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 15;
const paths = args.filter((_, i) => topAt < 0 || (i !== topAt && i !== topAt + 1));

const files = paths.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(p, f))
    : [p],
);

const label = (n: ProfileNode): string => {
  const f = n.callFrame;
  const where = f.url
    ? relative(process.cwd(), f.url.replace(/^file:\/\//, ''))
        .replace(/^node_modules\//, '')
        .replace(/^.*\/node_modules\//, '')
    : '';
  return `${f.functionName || '(anonymous)'}${where ? ` ${where}:${f.lineNumber + 1}` : ''}`;
};

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Time of each sample: the delta that follows it.
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
  }
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const total = [...selfUs].reduce((a, [id, us]) => a + (idle.has(id) ? 0 : us), 0);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (idle.has(id)) continue;
    const node = byId.get(id) as ProfileNode;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at) as ProfileNode);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const wall = (p.endTime - p.startTime) / 1e6;
  console.log(`\n${relative(process.cwd(), file)}: ${(total / 1e6).toFixed(1)} s busy of ${wall.toFixed(1)} s`);
  const show = (title: string, m: Map<string, number>) => {
    console.log(`  ${title}`);
    for (const [l, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${l}`);
    }
  };
  show('self time', self);
  // Total time, of the frames of the project and its dependencies (not Node.js internals).
  show('total time', new Map([...inclusive].filter(([l]) => / (libs|services|[\w@.-]+\/)/.test(l) && !l.includes(' node:'))));
}
