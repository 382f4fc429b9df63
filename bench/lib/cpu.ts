import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Which processes make up a component: a fixed pid, a test on a process's command line, or a
 * function listing them (called at every reading).
 */
export type ProcessMatcher = { pid: number } | { cmdline: (cmd: string) => boolean } | { pids: () => number[] };

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user and system) a process has used, in ticks of 1/100 s. */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) in parentheses: utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The processes descended from `pid` (children, their children…) whose command line passes `test`. */
export function descendants(pid: number, test: (cmd: string) => boolean = () => true): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const todo = [...(children.get(pid) ?? [])];
  for (let p = todo.pop(); p !== undefined; p = todo.pop()) {
    if (test(cmdlineOf(p))) out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

/**
 * Busy time of every CPU of the machine (all but idle and iowait), in ticks, and of it the time
 * stolen: when the machine is a virtual one, what its host gave to other guests while this one had
 * work to run.
 */
function machineTicks(): { busy: number; steal: number } {
  const [, ...f] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const v = f.slice(0, 8).map(Number); // guest time is counted in user time already
  return { busy: v.reduce((a, b) => a + b, 0) - (v[3] ?? 0) - (v[4] ?? 0), steal: v[7] ?? 0 };
}

/** The pid listening on a loopback TCP port, if any. */
export function pidOnPort(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of the components of a stage (the services, the PostgreSQL backends of the bench
 * database, the broker, the load generator), as a share of one core over the interval. Processes
 * matched by command line are looked up at every reading, so backends that come and go count.
 */
export class CpuSampler {
  private start = new Map<string, Map<number, number>>();
  private startedAt = 0;

  constructor(private readonly components: Record<string, ProcessMatcher>) {}

  private pids(m: ProcessMatcher): number[] {
    if ('pid' in m) return [m.pid];
    if ('pids' in m) return m.pids();
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .filter((pid) => m.cmdline(cmdlineOf(pid)));
  }

  private read(): Map<string, Map<number, number>> {
    const out = new Map<string, Map<number, number>>();
    for (const [name, m] of Object.entries(this.components)) out.set(name, new Map(this.pids(m).map((p) => [p, cpuTicks(p)])));
    return out;
  }

  private machineStart = { busy: 0, steal: 0 };

  begin(): void {
    this.start = this.read();
    this.machineStart = machineTicks();
    this.startedAt = performance.now();
  }

  /** Percent of one core each component used since `begin()`. */
  end(): Record<string, number> {
    const now = this.read();
    const seconds = (performance.now() - this.startedAt) / 1000;
    const out: Record<string, number> = {};
    for (const [name, pids] of now) {
      const before = this.start.get(name) ?? new Map<number, number>();
      let ticks = 0;
      // A process that appeared during the interval counts from zero (backends live briefly).
      for (const [pid, t] of pids) ticks += t - (before.get(pid) ?? (this.fresh(pid) ? 0 : t));
      out[name] = Math.round((ticks / TICKS_PER_SECOND / seconds) * 100);
    }
    const machine = machineTicks();
    const share = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 100);
    out['whole machine'] = share(machine.busy - this.machineStart.busy);
    out['of which stolen by the host'] = share(machine.steal - this.machineStart.steal);
    return out;
  }

  private fresh(pid: number): boolean {
    for (const pids of this.start.values()) if (pids.has(pid)) return false;
    return true;
  }
}
