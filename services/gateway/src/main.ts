import { createKeyHasher, createKeyVerifier, databaseProbe, openOrm } from '@cpt/application';
import { createConsumerLagMonitor, createKafka, kafkaProbe, TOPICS } from '@cpt/messaging';
import { configOrExit, createLogger, createMetricsRegistry, onShutdown } from '@cpt/platform';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createEventsConsumer } from './realtime/events-consumer.js';
import { EventsHub } from './realtime/events-hub.js';

const config = configOrExit(loadConfig);

const log = createLogger('gateway', config.LOG_LEVEL);
const metrics = createMetricsRegistry('gateway');
const orm = await openOrm({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'gateway' }, log);
const kafkaReady = kafkaProbe(kafka);
const hub = new EventsHub({
  log: log.child({ component: 'events-hub' }),
  bufferEvents: config.WS_BUFFER_EVENTS,
  bufferBytes: config.WS_BUFFER_BYTES,
});
const events = createEventsConsumer({ kafka, log, hub, groupPrefix: config.EVENTS_CONSUMER_GROUP_PREFIX });
const lag = createConsumerLagMonitor({ kafka, registry: metrics, log, groupId: events.groupId, topic: TOPICS.campaignEvents });
const hasher = createKeyHasher(config.API_KEY_SECRET);
const keys = createKeyVerifier({
  em: orm.em,
  hasher,
  cacheMs: config.KEY_CACHE_MS,
  onError: (err) => log.warn({ err }, 'cannot record key use; will try again'),
});
let accepting = true;
const app = await buildApp({
  log,
  em: orm.em,
  access: {
    keys,
    hasher,
    corsOrigins: config.CORS_ORIGINS,
    rateMax: config.RATE_LIMIT_MAX,
    rateWindowMs: config.RATE_LIMIT_WINDOW_MS,
  },
  bodyLimit: config.BODY_LIMIT_BYTES,
  probes: { database: databaseProbe(orm), kafka: kafkaReady.check, events: async () => events.ready() },
  accepting: () => accepting,
  dashboardDir: config.DASHBOARD_DIR,
  metrics,
  priceIngestUrl: config.DOCS_PRICE_INGEST_URL,
  readCacheBytes: config.READ_CACHE_BYTES,
  realtime: {
    hub,
    eventsReady: () => events.ready(),
    options: {
      pingIntervalMs: config.WS_PING_INTERVAL_MS,
      maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
      slowClientDeadlineMs: config.WS_SLOW_CLIENT_DEADLINE_MS,
      maxUnsentBytes: config.WS_MAX_UNSENT_BYTES,
      maxPendingSubscriptions: config.WS_MAX_PENDING_SUBSCRIPTIONS,
      keyCheckMs: config.WS_KEY_CHECK_MS,
      // Half the pool at most, so that subscribes never take every connection from the REST routes.
      snapshotConcurrency: Math.max(1, Math.floor(config.DATABASE_POOL_MAX / 2)),
    },
  },
});

onShutdown(
  log,
  async () => {
    accepting = false;
    // Closes every WebSocket with 1001 first, then stops the events that fed them.
    await app.close();
    await events.stop();
    await lag.stop();
    await keys.close();
    await kafkaReady.close();
    await orm.close();
  },
  config.SHUTDOWN_GRACE_MS,
);

// The events consumer starts first, to be in place as early as it can; until it is, the gateway
// answers not ready and refuses WebSocket upgrades (503), while REST and the probes are served.
const eventsStarted = events.start();
await app.listen({ host: config.HOST, port: config.PORT });
await eventsStarted;
lag.start();
