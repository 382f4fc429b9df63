import { apiKeySecretVar, brokersVar, databaseUrlVar, logLevelVar, msVar, originsVar, parseEnv, portVar } from '@cpt/platform';
import { z } from 'zod';

/** price-ingest's configuration, read once from the environment. */
export const configSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: portVar(8081),
  KAFKA_BROKERS: brokersVar,
  LOG_LEVEL: logLevelVar,
  /** How long a request may wait for Kafka to acknowledge its ticks before it is answered 503. */
  PUBLISH_TIMEOUT_MS: msVar(5000),
  /**
   * The Kafka transactional id of this process's producer: unique among the running instances.
   * By default `price-ingest-<hostname>-<pid>-<random>`, new at every start.
   */
  KAFKA_TRANSACTIONAL_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" and "-", at most 200')
    .optional(),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  SHUTDOWN_GRACE_MS: msVar(20_000),
  /** Where API keys are checked (price-ingest reads nothing else from PostgreSQL). */
  DATABASE_URL: databaseUrlVar,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(4),
  /** The secret API keys are hashed under; the same for every service. */
  API_KEY_SECRET: apiKeySecretVar,
  /** Requests one key may make per `RATE_LIMIT_WINDOW_MS` (each up to 10,000 ticks) before it is answered 429. */
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(1000),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(100).default(1000),
  /** How long a key's verdict is reused; revocation reaches every instance within it (at most 10 s). */
  KEY_CACHE_MS: z.coerce.number().int().min(0).max(10_000).default(5000),
  /** Origins whose browser pages may post ticks (comma-separated; none by default). */
  CORS_ORIGINS: originsVar,
  /** The address people reach the gateway at: the docs page links to its docs page there. */
  DOCS_GATEWAY_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).default('http://127.0.0.1:8080'),
});
export type IngestConfig = z.output<typeof configSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<IngestConfig> => parseEnv(configSchema, env);
