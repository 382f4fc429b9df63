import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TEST_API_KEY_SECRET } from './access.js';
import { repoRoot } from './infra.js';
import { waitFor } from './wait.js';

export type ServiceName = 'gateway' | 'price-ingest' | 'position';

/** A service running as its own process, exactly as `make up` runs it. */
export interface RunningService {
  name: ServiceName;
  url: string;
  /** The JSON log lines it printed so far (the last 20,000). */
  logs: Record<string, unknown>[];
  /** SIGTERM, and wait for the process to exit; resolves to its exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the crash of a process, no shutdown path at all. */
  kill(): Promise<void>;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

const exited = (p: ChildProcess): Promise<number | null> =>
  p.exitCode !== null || p.signalCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('exit', (code) => r(code)));

/** Where a service finds its infrastructure, and what else to set in its environment. */
export interface ServiceOptions {
  databaseUrl: string;
  kafkaBrokers: readonly string[];
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** The built entry point to run instead of this repository's `services/<name>/dist/src/main.js` (another checkout's build, say). */
  entry?: string;
  /** A file to append everything the process prints to (stdout and stderr, as printed), beside the in-memory `logs`. */
  logFile?: string;
}

/**
 * Starts a built service (`npx tsc -b` first) as its own process, on a free loopback port (or on
 * `env.PORT`), and waits until its `/health/ready` answers 200.
 */
export async function launchService(name: ServiceName, opts: ServiceOptions): Promise<RunningService> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const entry = opts.entry ?? join(repoRoot(), 'services', name, 'dist', 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first with npx tsc -b`);
  // A test that restarts a service on its address passes the port it had.
  const port = opts.env?.PORT ? Number(opts.env.PORT) : await freePort();
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      KAFKA_BROKERS: opts.kafkaBrokers.join(','),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      API_KEY_SECRET: TEST_API_KEY_SECRET,
      // Revocation tests wait for the key cache; a short one keeps them short.
      KEY_CACHE_MS: '500',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let partial = '';
  if (opts.logFile) {
    const file = createWriteStream(opts.logFile, { flags: 'a' });
    child.stdout?.on('data', (chunk: Buffer) => file.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => file.write(chunk));
    child.once('close', () => file.end());
  }
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
      if (logs.length > 20_000) logs.shift();
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr.join('').slice(-2000)}`);
        const r = await fetch(`${url}/health/ready`).catch(() => undefined);
        return r?.status === 200;
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 100, what: `${name} to be ready` },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    name,
    url,
    logs,
    stop: async () => {
      child.kill('SIGTERM');
      return exited(child);
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}
