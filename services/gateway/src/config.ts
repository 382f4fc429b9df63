import { brokersVar, databaseUrlVar, logLevelVar, msVar, parseEnv, portVar } from '@cpt/platform';
import { z } from 'zod';

/** The gateway's configuration, read once from the environment. */
export const configSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: portVar(8080),
  DATABASE_URL: databaseUrlVar,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  KAFKA_BROKERS: brokersVar,
  LOG_LEVEL: logLevelVar,
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  SHUTDOWN_GRACE_MS: msVar(20_000),
});
export type GatewayConfig = z.output<typeof configSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> => parseEnv(configSchema, env);
