import { brokersVar, logLevelVar, msVar, parseEnv, portVar } from '@cpt/platform';
import { z } from 'zod';

/** price-ingest's configuration, read once from the environment. */
export const configSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: portVar(8081),
  KAFKA_BROKERS: brokersVar,
  LOG_LEVEL: logLevelVar,
  /** How long a request may wait for Kafka to acknowledge its ticks before it is answered 503. */
  PUBLISH_TIMEOUT_MS: msVar(5000),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  SHUTDOWN_GRACE_MS: msVar(20_000),
});
export type IngestConfig = z.output<typeof configSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<IngestConfig> => parseEnv(configSchema, env);
