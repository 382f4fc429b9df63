/**
 * The baselines of the REST and fan-out stages, each in a process of its own as the gateway is
 * (started by bench/lib/canned.ts):
 * - `http`: fastify answering every GET with a canned body (the gateway's own answer, same bytes);
 * - `ws`: a `ws` server broadcasting a canned message to every client, as fast as each reads it:
 *   a client gets its next copy as soon as its socket holds less than `maxBufferedBytes`
 *   unsent, the bound past which the gateway conflates.
 */
import Fastify from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';

export type CannedCommand =
  | { cmd: 'http'; body: string }
  | { cmd: 'ws'; payload: string; maxBufferedBytes: number }
  | { cmd: 'broadcast'; on: boolean }
  | { cmd: 'close' };
export type CannedReply = { type: 'listening'; port: number } | { type: 'broadcasting'; clients: number };

const reply = (m: CannedReply) => process.send?.(m);
let close: () => Promise<void> = async () => {};

async function serveHttp(body: Buffer): Promise<void> {
  const app = Fastify({ logger: false });
  app.get('/*', async (_req, res) => res.header('content-type', 'application/json; charset=utf-8').send(body));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  close = () => app.close();
  reply({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
}

let broadcasting = false;

function serveWs(payload: Buffer, maxBufferedBytes: number): void {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  const clients = new Set<WebSocket>();
  const pump = (ws: WebSocket): void => {
    // Up to 8 copies at a time while the socket is below the bound; the last one's completion sends more.
    if (!broadcasting || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      setTimeout(() => pump(ws), 1);
      return;
    }
    for (let i = 0; i < 7 && ws.bufferedAmount <= maxBufferedBytes; i++) ws.send(payload, { binary: false });
    ws.send(payload, { binary: false }, (err) => {
      if (!err) pump(ws);
    });
  };
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', () => undefined);
    if (broadcasting) pump(ws);
  });
  wss.on('listening', () => {
    const address = wss.address();
    reply({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (m: CannedCommand) => {
    if (m.cmd !== 'broadcast') return;
    const was = broadcasting;
    broadcasting = m.on;
    if (m.on && !was) for (const ws of clients) pump(ws);
    reply({ type: 'broadcasting', clients: clients.size });
  });
  close = async () => {
    broadcasting = false;
    for (const ws of clients) ws.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  };
}

process.on('message', (m: CannedCommand) => {
  if (m.cmd === 'http') void serveHttp(Buffer.from(m.body));
  else if (m.cmd === 'ws') serveWs(Buffer.from(m.payload), m.maxBufferedBytes);
  else if (m.cmd === 'close') void close().finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
