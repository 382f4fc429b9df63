import { createKafka, kafkaProbe } from '@cpt/messaging';
import { databaseProbe, openOrm } from '@cpt/persistence';
import { ConfigError, createLogger, onShutdown } from '@cpt/platform';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}

const log = createLogger('gateway', config.LOG_LEVEL);
const orm = await openOrm({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'gateway' }, log);
const kafkaReady = kafkaProbe(kafka);
let accepting = true;
const app = await buildApp({
  log,
  em: orm.em,
  bodyLimit: config.BODY_LIMIT_BYTES,
  probes: { database: databaseProbe(orm), kafka: kafkaReady.check },
  accepting: () => accepting,
});

onShutdown(
  log,
  async () => {
    accepting = false;
    await app.close();
    await kafkaReady.close();
    await orm.close();
  },
  config.SHUTDOWN_GRACE_MS,
);

await app.listen({ host: config.HOST, port: config.PORT });
