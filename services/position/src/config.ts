import { brokersVar, databaseUrlVar, logLevelVar, msVar, parseEnv, portVar } from '@cpt/platform';
import { z } from 'zod';

/** The position service's configuration, read once from the environment. */
export const configSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: portVar(8082),
  DATABASE_URL: databaseUrlVar,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  KAFKA_BROKERS: brokersVar,
  /** The consumer group marking positions from `market.ticks`. */
  CONSUMER_GROUP: z.string().min(1).default('position-marks'),
  /** Where a new consumer group (one without committed offsets) starts reading `market.ticks`. */
  CONSUMER_START: z.enum(['earliest', 'latest']).default('earliest'),
  /** How long the group waits for a silent member (a crashed process) before its partitions move. */
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(10_000),
  /**
   * Partitions of `market.ticks` whose batches are taken at once and marked together, in one
   * transaction (one connection, whatever their number). The partitions a process holds, or more:
   * then every batch of a fetch joins the same transaction.
   */
  CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(6),
  /**
   * OPEN positions whose campaigns the marks consumer keeps between batches (their rows and the
   * figures no mark changes), so that a batch reads from the database only the campaigns changed
   * since; 0 reads every campaign in every batch. About 1 KB of heap a position (93 MiB for 100,000).
   */
  MARKS_CACHED_POSITIONS: z.coerce.number().int().min(0).max(10_000_000).default(100_000),
  LOG_LEVEL: logLevelVar,
  /** How often the outbox relay looks for unpublished events when it was not woken. */
  OUTBOX_POLL_MS: msVar(200),
  /** How many events the relay publishes per round. */
  OUTBOX_BATCH: z.coerce.number().int().min(1).max(10_000).default(1000),
  SHUTDOWN_GRACE_MS: msVar(25_000),
  /** How often equity points past their retention (README) are deleted. */
  EQUITY_PRUNE_INTERVAL_MS: msVar(600_000),
});
export type PositionConfig = z.output<typeof configSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<PositionConfig> => parseEnv(configSchema, env);
