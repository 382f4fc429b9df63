import { z } from 'zod';

/** Raised when the environment does not satisfy a service's configuration schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment once; the error names every variable that is missing or wrong. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.output<S>> {
  const r = schema.safeParse(env);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  }
  return Object.freeze(r.data) as Readonly<z.output<S>>;
}

/** A TCP port number from an environment variable. */
export const portVar = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** A comma-separated list of `host:port` Kafka brokers. */
export const brokersVar = z
  .string()
  .default('127.0.0.1:9092')
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, { message: 'must be host:port' })).min(1));

/** A PostgreSQL connection URL. */
export const databaseUrlVar = z
  .string({ message: 'is required, e.g. postgres://user:password@127.0.0.1:5432/campaigns' })
  .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' });

/** A pino log level. */
export const logLevelVar = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** A duration in milliseconds. */
export const msVar = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/** Loads a service's configuration, or stops the process with exit code 1 and the reasons. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
}

/**
 * The secret API keys are hashed under (HMAC-SHA256): every service that checks keys needs the
 * same one. At least 32 characters; never logged.
 */
export const apiKeySecretVar = z
  .string({ message: 'is required: a random secret of at least 32 characters, the same for every service' })
  .min(32, { message: 'must be at least 32 characters' });

/** A comma-separated list of origins (`https://desk.example.com`), empty by default. */
export const originsVar = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0),
  )
  .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, { message: 'must be an origin such as https://desk.example.com' })));
