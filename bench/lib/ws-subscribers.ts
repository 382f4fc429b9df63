import { type ChildProcess, fork } from 'node:child_process';
import type { ClientCommand, ClientReply, ClientStats } from '../ws-clients.js';

/** WebSocket subscribers running in their own process (bench/ws-clients.ts). */
export interface Subscribers {
  /** Counters (and, when `record`, update latencies) over the next `ms`, timed by the subscribers' process. */
  measure(ms: number, record: boolean): Promise<ClientStats>;
  close(): Promise<void>;
  connectMs: number;
}

function ask(child: ChildProcess, cmd: ClientCommand, want: ClientReply['type'], timeoutMs: number): Promise<ClientReply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`the WebSocket clients did not answer ${cmd.cmd} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (m: ClientReply) => {
      if (m.type !== want && m.type !== 'failed') return;
      clearTimeout(timer);
      child.off('message', on);
      if (m.type === 'failed') reject(new Error(`WebSocket clients: ${m.error}`));
      else resolve(m);
    };
    child.on('message', on);
    child.send(cmd);
  });
}

/**
 * Asks a helper process to close and exit; one that does not within 3 s (its event loop may be
 * flooded with frames) is killed.
 */
export async function stopChild(child: ChildProcess, exited: Promise<void>, close: object): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.send(close);
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts a process holding one subscriber per entry of `subscriptions` (the campaign ids it
 * subscribes to) and resolves once all are connected, each with its snapshots when `snapshots`.
 * Each presents the API key `key` (given to the process in `BENCH_API_KEY`) on its upgrade.
 */
export async function startSubscribers(url: string, key: string, subscriptions: string[][], snapshots: boolean): Promise<Subscribers> {
  const child = fork(new URL('../ws-clients.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
    env: { ...process.env, BENCH_API_KEY: key },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const connected = await ask(child, { cmd: 'connect', url, subscriptions, snapshots }, 'connected', 180_000);
    return {
      connectMs: connected.type === 'connected' ? connected.ms : 0,
      measure: async (ms, record) => {
        const r = await ask(child, { cmd: 'measure', ms, record }, 'stats', ms + 60_000);
        if (r.type !== 'stats') throw new Error('unexpected answer');
        return r.stats;
      },
      close: () => stopChild(child, exited, { cmd: 'close' }),
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}
