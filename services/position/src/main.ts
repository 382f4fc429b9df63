import { databaseProbe, OpenBook, openOrm, registerPoolMetrics } from '@cpt/application';
import { createConsumerLagMonitor, createKafka, createPublisher, kafkaProbe, TOPICS } from '@cpt/messaging';
import { configOrExit, createLogger, createMetricsRegistry, onShutdown } from '@cpt/platform';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createEquityRetention } from './equity-retention.js';
import { createMarksConsumer } from './marks/marks.consumer.js';
import { createDirectPublisher } from './outbox/direct-publisher.js';
import { outboxMetrics } from './outbox/outbox.metrics.js';
import { createOutboxRelay } from './outbox/outbox-relay.js';

const config = configOrExit(loadConfig);

const log = createLogger('position', config.LOG_LEVEL);
const metrics = createMetricsRegistry('position');
const orm = await openOrm({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
registerPoolMetrics(metrics, orm.em);
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'position' }, log);
const publisher = createPublisher(kafka, log, { metrics });
const kafkaReady = kafkaProbe(kafka);
const published = outboxMetrics(metrics, orm.em);
const direct = createDirectPublisher({ em: orm.em, publisher, log: log.child({ component: 'outbox' }), onPublished: published });
const consumer = createMarksConsumer({
  kafka,
  log,
  em: orm.em,
  groupId: config.CONSUMER_GROUP,
  sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
  fromBeginning: config.CONSUMER_START === 'earliest',
  deadLetters: publisher,
  metrics,
  // The batches taken at once share one transaction (mergedBatches): one connection, whatever their number.
  partitionsConcurrently: config.CONSUMER_CONCURRENCY,
  direct,
  ...(config.MARKS_CACHED_POSITIONS > 0 ? { book: new OpenBook(config.MARKS_CACHED_POSITIONS) } : {}),
});
const lag = createConsumerLagMonitor({ kafka, registry: metrics, log, groupId: config.CONSUMER_GROUP, topic: TOPICS.ticks });
const relay = createOutboxRelay({
  em: orm.em,
  publisher,
  log: log.child({ component: 'outbox' }),
  databaseUrl: config.DATABASE_URL,
  pollMs: config.OUTBOX_POLL_MS,
  batchSize: config.OUTBOX_BATCH,
  onPublished: published,
});
const retention = createEquityRetention({ orm, log: log.child({ component: 'equity' }), intervalMs: config.EQUITY_PRUNE_INTERVAL_MS });
let accepting = true;
const app = await buildApp({
  log,
  probes: { database: databaseProbe(orm), kafka: kafkaReady.check, consumer: async () => consumer.running() },
  accepting: () => accepting,
  metrics,
});

onShutdown(
  log,
  async () => {
    accepting = false;
    // Finish the batch in hand and leave the group, then publish what it recorded.
    await consumer.stop();
    await direct.drain();
    await relay.stop();
    await retention.stop();
    await lag.stop();
    await app.close();
    await publisher.disconnect();
    await kafkaReady.close();
    await orm.close();
  },
  config.SHUTDOWN_GRACE_MS,
);

await app.listen({ host: config.HOST, port: config.PORT });
relay.start();
retention.start();
lag.start();
// Kafka may come up after this service: keep trying to join the group; readiness says meanwhile.
for (let attempt = 1; accepting; attempt++) {
  try {
    await consumer.start();
    break;
  } catch (err) {
    log.warn({ err, attempt }, 'cannot join the consumer group yet; retrying');
    await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
  }
}
