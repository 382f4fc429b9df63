import { createKeyHasher, createKeyVerifier, openOrm, registerPoolMetrics } from '@cpt/application';
import { createKafka, createTransactionalPublisher, kafkaProbe, processTransactionalId } from '@cpt/messaging';
import { configOrExit, createLogger, createMetricsRegistry, onShutdown } from '@cpt/platform';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

const config = configOrExit(loadConfig);

const log = createLogger('price-ingest', config.LOG_LEVEL);
const metrics = createMetricsRegistry('price-ingest');
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'price-ingest', requestTimeoutMs: config.PUBLISH_TIMEOUT_MS }, log);
// Transactional: a request answered 503 has nothing of it visible to any consumer of market.ticks.
const publisher = createTransactionalPublisher(kafka, log, {
  transactionalId: config.KAFKA_TRANSACTIONAL_ID ?? processTransactionalId('price-ingest'),
  sendTimeoutMs: config.PUBLISH_TIMEOUT_MS,
  metrics,
});
const kafkaReady = kafkaProbe(kafka);
// PostgreSQL holds the API keys; price-ingest reads nothing else from it.
const orm = await openOrm({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
registerPoolMetrics(metrics, orm.em);
const keys = createKeyVerifier({
  em: orm.em,
  hasher: createKeyHasher(config.API_KEY_SECRET),
  cacheMs: config.KEY_CACHE_MS,
  onError: (err) => log.warn({ err }, 'cannot record key use; will try again'),
});
let accepting = true;
const app = await buildApp({
  log,
  publisher,
  access: {
    verify: (key) => keys.verify(key),
    corsOrigins: config.CORS_ORIGINS,
    rateMax: config.RATE_LIMIT_MAX,
    rateWindowMs: config.RATE_LIMIT_WINDOW_MS,
  },
  bodyLimit: config.BODY_LIMIT_BYTES,
  probes: { kafka: kafkaReady.check },
  accepting: () => accepting,
  metrics,
  gatewayUrl: config.DOCS_GATEWAY_URL,
});

onShutdown(
  log,
  async () => {
    accepting = false;
    await app.close();
    await publisher.disconnect();
    await kafkaReady.close();
    await keys.close();
    await orm.close();
  },
  config.SHUTDOWN_GRACE_MS,
);

// The producer connects in the background: the service starts even while Kafka is down, and is ready once it answers.
publisher.connect().catch((err: unknown) => log.warn({ err }, 'Kafka not reachable yet'));
await app.listen({ host: config.HOST, port: config.PORT });
