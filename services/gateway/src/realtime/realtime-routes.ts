import { BadRequestError } from '@cpt/domain';
import { declaredRoute } from '@cpt/http';
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { liveUpdates } from '../routes/live-updates.js';
import { ClientSession } from './client-session.js';
import { ClientWriter } from './client-writer.js';
import { CLOSE_CODES, CLOSE_REASONS } from './close-codes.js';
import type { EventsHub, HubStats } from './events-hub.js';
import { SnapshotLoader, type SnapshotSource } from './snapshot-loader.js';

/** A client message past this size closes the connection with 1009; a subscribe of 1,000 ids with resume is ~90 KB. */
const MAX_CLIENT_MESSAGE_BYTES = 256 * 1024;

/** The limits of the WebSocket endpoint (see the `WS_*` variables of the gateway's config). */
export interface RealtimeOptions {
  /** How often each connection is pinged; one that missed the previous pong is dropped. */
  pingIntervalMs: number;
  /** Above this many unsent bytes on a socket, its updates are conflated. */
  maxBufferedBytes: number;
  /** How long a socket may stay above the bound without a write completing before it is closed with 4008. */
  slowClientDeadlineMs: number;
  /** Snapshot reads running at once (default 4). */
  snapshotConcurrency?: number;
}

/** What the gateway needs to serve WebSockets: the hub the events consumer feeds, and the limits. */
export interface RealtimeDeps {
  hub: EventsHub;
  options: RealtimeOptions;
}

/** What `app.realtime.stats()` reports: the open connections and what happened to them. */
export interface RealtimeStats {
  connections: number;
  subscriptions: number;
  /** Events merged into conflated updates instead of being sent, over the open connections. */
  merged: number;
  /** Connections closed with 4008. */
  slowClosed: number;
  /** Connections dropped for a missed heartbeat. */
  heartbeatClosed: number;
  hub: HubStats;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present when the gateway serves `GET /api/v1/ws`. */
    realtime?: { stats(): RealtimeStats };
  }
}

/** The plugin's options: the realtime dependencies, and the gateway's reads and error classification. */
export interface RealtimeRoutesOptions extends RealtimeDeps {
  reads: SnapshotSource;
  classifyError: (err: unknown) => unknown;
}

interface Connection {
  session: ClientSession;
  writer: ClientWriter;
}

const plugin: FastifyPluginAsync<RealtimeRoutesOptions> = async (app, opts) => {
  const { hub, options } = opts;
  const loader = new SnapshotLoader(opts.reads, options.snapshotConcurrency ?? 4);
  const connections = new Map<WebSocket, Connection>();
  const counts = { slowClosed: 0, heartbeatClosed: 0 };

  // Added before the websocket plugin's own hook, which closes sockets without a code.
  app.addHook('preClose', async () => {
    for (const ws of connections.keys()) ws.close(CLOSE_CODES.goingAway, CLOSE_REASONS.goingAway);
  });
  await app.register(websocket, { options: { maxPayload: MAX_CLIENT_MESSAGE_BYTES } });

  app.route({
    ...declaredRoute(liveUpdates),
    handler: async () => {
      throw new BadRequestError('GET /api/v1/ws expects a WebSocket upgrade');
    },
    wsHandler: (socket, req) => {
      const log = req.log;
      const writer: ClientWriter = new ClientWriter(socket, {
        maxBufferedBytes: options.maxBufferedBytes,
        slowClientDeadlineMs: options.slowClientDeadlineMs,
        onBehind: () => log.info({ bufferedBytes: socket.bufferedAmount }, 'client fell behind; conflating its updates'),
        onStuck: () => {
          counts.slowClosed++;
          log.warn({ bufferedBytes: socket.bufferedAmount, ...writer.counts }, 'closing a client that does not read its updates');
          session.close();
          socket.close(CLOSE_CODES.tooSlow, CLOSE_REASONS.tooSlow);
        },
      });
      const session = new ClientSession(writer, { hub, loader, log, classifyError: opts.classifyError });
      connections.set(socket, { session, writer });
      socket.on('message', (data, isBinary) => session.onMessage(data, isBinary));
      socket.on('pong', () => {
        session.alive = true;
      });
      socket.on('close', (code) => {
        connections.delete(socket);
        session.close();
        log.debug({ code, ...writer.counts }, 'websocket closed');
      });
    },
  });

  const heartbeat = setInterval(() => {
    for (const [ws, c] of connections) {
      if (!c.session.alive) {
        counts.heartbeatClosed++;
        ws.terminate();
        continue;
      }
      c.session.alive = false;
      c.writer.ping();
    }
  }, options.pingIntervalMs);
  heartbeat.unref();
  app.addHook('onClose', async () => clearInterval(heartbeat));

  app.decorate('realtime', {
    stats: (): RealtimeStats => {
      let subscriptions = 0;
      let merged = 0;
      for (const c of connections.values()) {
        subscriptions += c.session.subscriptions;
        merged += c.writer.counts.merged;
      }
      return { connections: connections.size, subscriptions, merged, ...counts, hub: hub.stats() };
    },
  });
};

// Like fastify-plugin: the route, hooks and decorator belong to the app that registers this.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

/** `GET /api/v1/ws`: section 3 of the contract. */
export const realtimeRoutes = plugin;
