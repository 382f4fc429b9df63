import { spawn } from 'node:child_process';

/** One step of a walkthrough: the commands of a fenced block, and what the README says they print. */
export interface Step {
  /** The line of the README where the block starts, for messages. */
  line: number;
  commands: string;
  expected: string | undefined;
}

const FENCE = /^```(.*)$/;

/**
 * The steps of a README's walkthrough: each block fenced as ```` ```sh walkthrough ````, paired with
 * the next block fenced ```` ```text walkthrough-output ```` before the next step, if any.
 */
export function walkthroughSteps(markdown: string): Step[] {
  const lines = markdown.split('\n');
  const steps: Step[] = [];
  for (let i = 0; i < lines.length; i++) {
    const info =
      FENCE.exec(lines[i] as string)?.[1]
        ?.trim()
        .split(/\s+/) ?? [];
    if (info.length === 0 || info[0] === '') continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    const body = lines.slice(i + 1, end).join('\n');
    if (info.includes('walkthrough')) steps.push({ line: i + 1, commands: body, expected: undefined });
    else if (info.includes('walkthrough-output')) {
      const last = steps.at(-1);
      if (!last || last.expected !== undefined) throw new Error(`line ${i + 1}: an output block without a walkthrough block before it`);
      last.expected = body;
    }
    i = end;
  }
  return steps;
}

/** The first block after a marker comment (`<!-- name … -->`). */
export function blockAfter(markdown: string, marker: string): string {
  const at = markdown.indexOf(`<!-- ${marker}`);
  if (at < 0) throw new Error(`no <!-- ${marker} … --> in the document`);
  const m = /```[^\n]*\n([\s\S]*?)\n```/.exec(markdown.slice(at));
  if (!m) throw new Error(`no block after <!-- ${marker} -->`);
  return m[1] as string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether output matches what the README shows: line by line, where `…` stands for any text within
 * a line, and a line of `…` alone for any number of lines (none included).
 */
export function matchesShown(shown: string, output: string): boolean {
  const want = shown.trimEnd().split('\n');
  const got = output.trimEnd().split('\n');
  const line = want.map((w) => (w === '…' ? null : new RegExp(`^${w.split('…').map(escapeRegExp).join('.*')}$`)));
  const memo = new Map<string, boolean>();
  const from = (i: number, j: number): boolean => {
    const k = `${i},${j}`;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === line.length) r = j === got.length;
    else if (line[i] === null) r = from(i + 1, j) || (j < got.length && from(i, j + 1));
    else r = j < got.length && (line[i] as RegExp).test(got[j] as string) && from(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return from(0, 0);
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script with bash, as a terminal would run it pasted, and collects what it prints. */
export function runBash(script: string, opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the script ran past ${opts.timeoutMs} ms; it printed:\n${Buffer.concat(out)}\n${Buffer.concat(err)}`));
    }, opts.timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
