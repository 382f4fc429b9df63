import { type ChildProcess, fork } from 'node:child_process';
import type { CannedCommand, CannedReply } from '../canned-servers.js';
import { stopChild } from './ws-subscribers.js';

/** A baseline server in its own process (bench/canned-servers.ts). */
export interface CannedServer {
  url: string;
  /** Starts or stops the broadcast of a `ws` server; resolves with its clients. */
  broadcast(on: boolean): Promise<number>;
  close(): Promise<void>;
}

function next(child: ChildProcess, type: CannedReply['type']): Promise<CannedReply> {
  return new Promise((resolve) => {
    const on = (m: CannedReply) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
}

async function start(cmd: CannedCommand, scheme: 'http' | 'ws'): Promise<CannedServer> {
  const child = fork(new URL('../canned-servers.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const listening = next(child, 'listening');
  child.send(cmd);
  const m = await listening;
  const port = m.type === 'listening' ? m.port : 0;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    broadcast: async (on) => {
      const answer = next(child, 'broadcasting');
      child.send({ cmd: 'broadcast', on } satisfies CannedCommand);
      const a = await Promise.race([answer, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]);
      return a?.type === 'broadcasting' ? a.clients : -1;
    },
    close: () => stopChild(child, exited, { cmd: 'close' } satisfies CannedCommand),
  };
}

/** fastify answering every GET with `body`. */
export const cannedHttp = (body: string): Promise<CannedServer> => start({ cmd: 'http', body }, 'http');

/** A `ws` server that broadcasts `payload` to its clients while told to. */
export const cannedWs = (payload: string, maxBufferedBytes: number): Promise<CannedServer> =>
  start({ cmd: 'ws', payload, maxBufferedBytes }, 'ws');
