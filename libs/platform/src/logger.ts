import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/**
 * Where a secret could ride into a log line: request headers (an API key in `Authorization`), a
 * created key in an object that is logged whole, a connection string with its password. A URL is
 * logged through `redactUrl`, which masks `access_token`.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'request.headers.authorization',
  'headers.authorization',
  'authorization',
  '*.authorization',
  'key',
  '*.key',
  'access_token',
  '*.access_token',
  'apiKey',
  '*.apiKey',
  'databaseUrl',
  'DATABASE_URL',
  'API_KEY_SECRET',
];

/** The structured logger of one service: JSON lines, one `service` field, ISO timestamps, secrets redacted. */
export function createLogger(service: string, level = 'info', options: LoggerOptions = {}): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...options,
  });
}
