import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@cpt/testkit';

const run = promisify(execFile);

/** Runs `deploy/local/kafka-cluster.sh` with the arguments; resolves to what it printed on stdout. */
export async function cluster(...args: string[]): Promise<string> {
  const root = repoRoot();
  try {
    const { stdout } = await run(join(root, 'deploy/local/kafka-cluster.sh'), args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`kafka-cluster.sh ${args.join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim().slice(-2000)}`);
  }
}
