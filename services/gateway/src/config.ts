import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { apiKeySecretVar, brokersVar, databaseUrlVar, logLevelVar, msVar, originsVar, parseEnv, portVar } from '@cpt/platform';
import { z } from 'zod';

const require = createRequire(import.meta.url);

/** The `dist` folder beside @cpt/dashboard's package.json; undefined when the package is not installed. */
function installedDashboard(): string | undefined {
  try {
    return join(dirname(require.resolve('@cpt/dashboard/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

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
  /** The secret API keys are hashed under; the same for every service. */
  API_KEY_SECRET: apiKeySecretVar,
  /** Requests one key may make per `RATE_LIMIT_WINDOW_MS` before it is answered 429. */
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(2000),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(100).default(1000),
  /** How long a key's verdict is reused; revocation reaches every instance within it (at most 10 s). */
  KEY_CACHE_MS: z.coerce.number().int().min(0).max(10_000).default(5000),
  /** Origins whose browser pages may call the API and open the WebSocket (comma-separated; none by default). */
  CORS_ORIGINS: originsVar,
  /** How often the server pings each WebSocket; a connection that missed the previous pong is dropped. */
  WS_PING_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** Recent events kept per campaign, to resume a reconnecting client without a snapshot. */
  WS_BUFFER_EVENTS: z.coerce.number().int().min(0).max(100_000).default(512),
  /** The most bytes of recent events kept per campaign (the oldest are dropped first). */
  WS_BUFFER_BYTES: z.coerce.number().int().min(0).default(4_194_304),
  /** A client whose socket holds more unsent bytes than this gets conflated updates. */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(0).default(1_048_576),
  /** How long a client may stay above that bound with no write completing before it is closed with 4008. */
  WS_SLOW_CLIENT_DEADLINE_MS: z.coerce.number().int().min(100).default(30_000),
  /** The most bytes a WebSocket may hold unsent, of any kind of frame; past it the connection is closed with 4008. */
  WS_MAX_UNSENT_BYTES: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(16 * 1_048_576),
  /** The most campaigns one WebSocket may have waiting for their first answer; past it, 4008. */
  WS_MAX_PENDING_SUBSCRIPTIONS: z.coerce.number().int().min(1).default(2000),
  /** How often the keys of open WebSockets are checked; a revoked or expired one closes its sockets with 4401. */
  WS_KEY_CHECK_MS: z.coerce.number().int().min(100).max(9000).default(4000),
  /**
   * The most bytes of rendered `GET /api/v1/campaigns/{id}` and `…/positions` bodies kept in the
   * process, until their campaign changes (least recently used out first); 0 keeps none.
   */
  READ_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(4 * 1_073_741_824)
    .default(64 * 1_048_576),
  /** The gateway's consumer group of `campaign.events` is `<prefix>-<hostname>-<pid>-<random>`. */
  EVENTS_CONSUMER_GROUP_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,100}$/, { message: 'must be 1–100 characters of A-Z a-z 0-9 _ . -' })
    .default('gateway'),
  /** The address people reach price-ingest at: the docs page links to its own docs page there. */
  DOCS_PRICE_INGEST_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).default('http://127.0.0.1:8081'),
  /**
   * The dashboard's build (index.html and assets/), served at `/`; by default the `dist` folder of
   * the installed @cpt/dashboard. A folder without index.html is no error: `/` answers 503 until
   * it is built.
   */
  DASHBOARD_DIR: z
    .string()
    .min(1)
    .optional()
    .transform((dir, ctx) => {
      const found = dir === undefined ? installedDashboard() : resolve(dir);
      if (found === undefined) {
        ctx.addIssue({ code: 'custom', message: 'is not set, and @cpt/dashboard is not installed beside the gateway' });
        return z.NEVER;
      }
      return found;
    }),
});
export type GatewayConfig = z.output<typeof configSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> => parseEnv(configSchema, env);
