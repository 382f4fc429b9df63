import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/** The structured logger of one service: JSON lines, one `service` field, ISO timestamps. */
export function createLogger(service: string, level = 'info', options: LoggerOptions = {}): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...options,
  });
}
