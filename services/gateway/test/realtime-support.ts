import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { type MikroORM, openOrm } from '@cpt/application';
import { eventHeaders } from '@cpt/contracts';
import { createKafka, createPublisher, type Publisher, TOPICS } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { createTestKey, type TestKey, testAccess, testDatabaseUrl, testKafkaBrokers, testKeyVerifier, waitFor } from '@cpt/testkit';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../src/app.js';
import { createEventsConsumer, type EventsConsumer } from '../src/realtime/events-consumer.js';
import { EventsHub } from '../src/realtime/events-hub.js';
import type { RealtimeOptions } from '../src/realtime/realtime-routes.js';

const log = () => createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent');

export interface RealtimeGatewayOptions extends Partial<RealtimeOptions> {
  corsOrigins?: readonly string[];
  /** How long a key verdict is cached (the services' default is 5 s). */
  keyCacheMs?: number;
  /** The key to present (a restarted gateway keeps its predecessor's); a new account's by default. */
  key?: TestKey;
  bufferEvents?: number;
  /** Listen on this port (to restart a gateway where its clients reconnect). */
  port?: number;
  /** False to leave the events consumer for the test to start (`events.start()`); started and ready by default. */
  startEvents?: boolean;
}

/** An in-process gateway on a real port, fed by a real consumer of `campaign.events`. */
export interface RealtimeGateway {
  app: FastifyInstance;
  orm: MikroORM;
  hub: EventsHub;
  events: EventsConsumer;
  url: string;
  /** The WebSocket URL, with the test key as `access_token` (as a browser passes it). */
  wsUrl: string;
  /** The same without a key. */
  bareWsUrl: string;
  port: number;
  /** The key `app.inject` and `wsUrl` present: all four scopes, an account of its own. */
  key: TestKey;
  close: () => Promise<void>;
}

export async function startRealtimeGateway(opts: RealtimeGatewayOptions = {}): Promise<RealtimeGateway> {
  const logger = log();
  const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 20 });
  const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: 'gateway-test' }, logger);
  const hub = new EventsHub({ log: logger, bufferEvents: opts.bufferEvents ?? 512, bufferBytes: 16_777_216 });
  const events = createEventsConsumer({ kafka, log: logger, hub, groupPrefix: 'gateway-test' });
  const access = testAccess(orm, opts.corsOrigins ? { corsOrigins: opts.corsOrigins } : {});
  if (opts.keyCacheMs !== undefined) access.keys = testKeyVerifier(orm, opts.keyCacheMs);
  const app = await buildApp({
    log: logger,
    em: orm.em,
    access,
    probes: { database: async () => true, kafka: async () => true, events: async () => events.ready() },
    realtime: {
      hub,
      eventsReady: () => events.ready(),
      options: {
        pingIntervalMs: opts.pingIntervalMs ?? 30_000,
        maxBufferedBytes: opts.maxBufferedBytes ?? 1_048_576,
        slowClientDeadlineMs: opts.slowClientDeadlineMs ?? 30_000,
        maxUnsentBytes: opts.maxUnsentBytes ?? 16 * 1_048_576,
        maxPendingSubscriptions: opts.maxPendingSubscriptions ?? 2000,
        keyCheckMs: opts.keyCheckMs ?? 4000,
        ...(opts.snapshotConcurrency === undefined ? {} : { snapshotConcurrency: opts.snapshotConcurrency }),
      },
    },
  });
  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  if (opts.startEvents !== false) {
    await events.start();
    await waitFor(() => events.ready(), { timeoutMs: 30_000, what: 'the events consumer to join its group' });
  }
  const port = (app.server.address() as AddressInfo).port;
  const key = opts.key ?? (await createTestKey(orm));
  const inject = app.inject.bind(app);
  app.inject = ((o: InjectOptions) => inject({ ...o, headers: { ...key.headers, ...o.headers } })) as typeof app.inject;
  return {
    app,
    orm,
    hub,
    events,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/v1/ws?access_token=${key.key}`,
    bareWsUrl: `ws://127.0.0.1:${port}/api/v1/ws`,
    key,
    close: async () => {
      await app.close();
      await access.keys.close();
      await events.stop();
      await orm.close(true);
    },
  };
}

// The outbox relay's lock (libs/application/src/modules/outbox/outbox.repository.ts): holding it keeps any
// relay that runs against the test database from publishing meanwhile.
const RELAY_LOCK = 942_001;

/** What becomes of the events a change recorded. */
export type Delivery = 'publish' | 'drop' | 'twice';

/**
 * Publishes the outbox rows of the test's campaigns to `campaign.events`, as the position
 * service's relay does, or loses or repeats them on purpose.
 */
export class TestRelay {
  private constructor(
    private readonly orm: MikroORM,
    private readonly publisher: Publisher,
  ) {}

  static async open(): Promise<TestRelay> {
    const logger = log();
    const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 4 });
    const publisher = createPublisher(createKafka({ brokers: testKafkaBrokers(), clientId: 'test-relay' }, logger), logger);
    await publisher.connect();
    return new TestRelay(orm, publisher);
  }

  /** Runs `change` under the relay lock, then delivers the events recorded for `campaignIds`. */
  async around<T>(campaignIds: readonly string[], change: () => Promise<T>, delivery: Delivery = 'publish'): Promise<T> {
    return this.orm.em.fork().transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(?)', [RELAY_LOCK], 'run');
      const result = await change();
      const rows = (await tx.execute(
        'select id::text, campaign_id::text, seq::text as seq, payload::text as payload from campaign_events where campaign_id in (?) order by id',
        [campaignIds],
      )) as { id: string; campaign_id: string; seq: string; payload: string }[];
      // As the position service publishes them: with their campaign and seq as headers.
      const messages = rows.map((r) => ({
        key: r.campaign_id,
        value: r.payload,
        headers: eventHeaders(r.campaign_id, r.seq),
      }));
      if (delivery !== 'drop') await this.publisher.publish(TOPICS.campaignEvents, messages);
      if (delivery === 'twice') await this.publisher.publish(TOPICS.campaignEvents, messages);
      if (rows.length > 0) {
        await tx.execute('delete from campaign_events where id in (?)', [rows.map((r) => r.id)], 'run');
      }
      return result;
    });
  }

  /** Publishes a raw value, keyed by a campaign id, with the headers given. */
  async publishRaw(key: string, value: string, headers?: Record<string, string>): Promise<void> {
    await this.publisher.publish(TOPICS.campaignEvents, [{ key, value, ...(headers ? { headers } : {}) }]);
  }

  async close(): Promise<void> {
    await this.publisher.disconnect();
    await this.orm.close(true);
  }
}

/** A TCP relay in front of a port that can cut every connection and refuse new ones: a network outage on demand. */
export class TcpGate {
  private passing = true;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpGate> {
    let gate: TcpGate | undefined;
    const server = createServer((client) => gate?.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gate = new TcpGate(server, (server.address() as AddressInfo).port);
    return gate;
  }

  wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/api/v1/ws`;
  }

  /** Drops every connection and refuses new ones until `restore()`. */
  cut(): void {
    this.passing = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.passing = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetPort: number): void {
    if (!this.passing) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  }
}
