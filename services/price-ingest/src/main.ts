import { createKafka, createPublisher, kafkaProbe } from '@cpt/messaging';
import { configOrExit, createLogger, onShutdown } from '@cpt/platform';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

const config = configOrExit(loadConfig);

const log = createLogger('price-ingest', config.LOG_LEVEL);
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'price-ingest', requestTimeoutMs: config.PUBLISH_TIMEOUT_MS }, log);
const publisher = createPublisher(kafka, log, { sendTimeoutMs: config.PUBLISH_TIMEOUT_MS });
const kafkaReady = kafkaProbe(kafka);
let accepting = true;
const app = await buildApp({
  log,
  publisher,
  bodyLimit: config.BODY_LIMIT_BYTES,
  probes: { kafka: kafkaReady.check },
  accepting: () => accepting,
});

onShutdown(
  log,
  async () => {
    accepting = false;
    await app.close();
    await publisher.disconnect();
    await kafkaReady.close();
  },
  config.SHUTDOWN_GRACE_MS,
);

// The producer connects in the background: the service starts even while Kafka is down, and is ready once it answers.
publisher.connect().catch((err: unknown) => log.warn({ err }, 'Kafka not reachable yet'));
await app.listen({ host: config.HOST, port: config.PORT });
