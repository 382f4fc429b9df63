import type { KeyVerifier } from '@cpt/application';
import { BadRequestError, ForbiddenError, UnavailableError } from '@cpt/domain';
import { callerOf, declaredRoute, originAllowed } from '@cpt/http';
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
  /** The most bytes a socket may hold unsent, of any kind of frame, before it is closed with 4008. */
  maxUnsentBytes: number;
  /** The most campaigns a connection may have waiting for their first answer before it is closed with 4008. */
  maxPendingSubscriptions: number;
  /** How often the keys of open connections are checked again (revocation, expiry). */
  keyCheckMs: number;
}

/** What the gateway needs to serve WebSockets: the hub the events consumer feeds, and the limits. */
export interface RealtimeDeps {
  hub: EventsHub;
  /**
   * Whether the events consumer that feeds the hub is in place (`EventsConsumer.ready`). Until it
   * is, upgrades are refused with 503: a subscriber's snapshot read before then could miss an
   * event published before the consumer fixed where it reads from.
   */
  eventsReady: () => boolean;
  options: RealtimeOptions;
}

/** What `app.realtime.stats()` reports: the open connections and what happened to them. */
export interface RealtimeStats {
  connections: number;
  subscriptions: number;
  /** Frames written to clients since the server started, closed connections included. */
  sent: number;
  /** Events merged into conflated updates instead of being sent, since the server started, closed connections included. */
  merged: number;
  /** Connections closed with 4008: stuck, over the unsent-bytes bound, or too many subscriptions waiting. */
  slowClosed: number;
  /** Connections closed with 4401: their key was revoked or expired. */
  keyClosed: number;
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
  reads: SnapshotSource & { ownedCampaigns(accountId: string, ids: readonly string[]): Promise<Set<string>> };
  /** Checks, every `keyCheckMs`, that the keys of open connections are still valid. */
  keys: Pick<KeyVerifier, 'stillValid'>;
  /** Browser origins allowed besides the gateway's own. */
  corsOrigins: readonly string[];
  classifyError: (err: unknown) => unknown;
}

interface Connection {
  session: ClientSession;
  writer: ClientWriter;
  keyId: string;
}

const plugin: FastifyPluginAsync<RealtimeRoutesOptions> = async (app, opts) => {
  const { hub, options } = opts;
  const loader = new SnapshotLoader(opts.reads, options.snapshotConcurrency ?? 4);
  const connections = new Map<WebSocket, Connection>();
  const counts = { slowClosed: 0, heartbeatClosed: 0, keyClosed: 0 };
  // What the connections closed so far sent and merged; the open ones' are added when asked.
  const closedTotals = { sent: 0, merged: 0 };
  const access = (accountId: string, ids: readonly string[]) => opts.reads.ownedCampaigns(accountId, ids);

  // Added before the websocket plugin's own hook, which closes sockets without a code.
  app.addHook('preClose', async () => {
    for (const ws of connections.keys()) ws.close(CLOSE_CODES.goingAway, CLOSE_REASONS.goingAway);
  });
  await app.register(websocket, { options: { maxPayload: MAX_CLIENT_MESSAGE_BYTES } });

  app.route({
    ...declaredRoute(liveUpdates),
    // Authentication (the edge's onRequest hook) has run; a browser page of a foreign origin is
    // refused before the protocol switches, as a cross-site page must not ride a user's key.
    preValidation: async (req) => {
      if (!originAllowed(req.headers.origin, req.headers.host, opts.corsOrigins))
        throw new ForbiddenError('this origin may not open the WebSocket');
      if (!opts.eventsReady()) throw new UnavailableError('live updates are not available yet: campaign events are not followed yet');
    },
    handler: async () => {
      throw new BadRequestError('GET /api/v1/ws expects a WebSocket upgrade');
    },
    wsHandler: (socket, req) => {
      const log = req.log;
      const caller = callerOf(req);
      let behindBefore = false;
      const tooMuch = (why: string) => {
        counts.slowClosed++;
        log.warn({ bufferedBytes: socket.bufferedAmount, ...writer.counts }, why);
        session.close();
        socket.close(CLOSE_CODES.tooSlow, CLOSE_REASONS.tooSlow);
      };
      const writer: ClientWriter = new ClientWriter(socket, {
        maxBufferedBytes: options.maxBufferedBytes,
        maxUnsentBytes: options.maxUnsentBytes,
        slowClientDeadlineMs: options.slowClientDeadlineMs,
        onOverflow: () => tooMuch('closing a client that holds too much unsent'),
        onDrain: () => loader.pump(),
        // The first time at info; a client that keeps falling behind would otherwise fill the log
        // (the merged updates are counted in the metrics).
        onBehind: () => {
          const level = behindBefore ? 'debug' : 'info';
          behindBefore = true;
          log[level]({ bufferedBytes: socket.bufferedAmount }, 'client fell behind; conflating its updates');
        },
        onStuck: () => tooMuch('closing a client that does not read its updates'),
        onResync: (campaignId) => session.resync(campaignId),
      });
      const session: ClientSession = new ClientSession(writer, {
        hub,
        loader,
        access,
        accountId: caller.accountId,
        maxPending: options.maxPendingSubscriptions,
        onOverload: () => tooMuch('closing a client with too many subscriptions waiting'),
        log,
        classifyError: opts.classifyError,
      });
      connections.set(socket, { session, writer, keyId: caller.keyId });
      socket.on('message', (data, isBinary) => session.onMessage(data, isBinary));
      socket.on('pong', () => {
        session.alive = true;
      });
      socket.on('close', (code) => {
        if (connections.delete(socket)) {
          closedTotals.sent += writer.counts.sent;
          closedTotals.merged += writer.counts.merged;
        }
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

  // Revocation and expiry reach open connections too: their keys are checked again, together.
  let checking = false;
  const keyCheck = setInterval(async () => {
    if (checking || connections.size === 0) return;
    checking = true;
    try {
      const live = await opts.keys.stillValid([...new Set([...connections.values()].map((c) => c.keyId))]);
      for (const [ws, c] of connections) {
        if (live.has(c.keyId)) continue;
        counts.keyClosed++;
        c.session.close();
        ws.close(CLOSE_CODES.keyRevoked, CLOSE_REASONS.keyRevoked);
      }
    } catch (err) {
      app.log.warn({ err }, 'cannot check the keys of open WebSockets; will try again');
    } finally {
      checking = false;
    }
  }, options.keyCheckMs);
  keyCheck.unref();
  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    clearInterval(keyCheck);
  });

  app.decorate('realtime', {
    stats: (): RealtimeStats => {
      let subscriptions = 0;
      let { sent, merged } = closedTotals;
      for (const c of connections.values()) {
        subscriptions += c.session.subscriptions;
        sent += c.writer.counts.sent;
        merged += c.writer.counts.merged;
      }
      return { connections: connections.size, subscriptions, sent, merged, ...counts, hub: hub.stats() };
    },
  });
};

// Like fastify-plugin: the route, hooks and decorator belong to the app that registers this.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

/** `GET /api/v1/ws`: section 3 of the contract. */
export const realtimeRoutes = plugin;
