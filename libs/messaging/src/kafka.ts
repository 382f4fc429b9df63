import type { Logger } from '@cpt/platform';
import { type Admin, Kafka, type LogEntry, logLevel } from 'kafkajs';

export interface KafkaOptions {
  brokers: readonly string[];
  clientId: string;
  /** How long to wait for a broker to accept a connection. */
  connectionTimeoutMs?: number;
  /** How long to wait for a broker's answer. */
  requestTimeoutMs?: number;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through the service's pino logger. */
export function createKafka(opts: KafkaOptions, log: Logger): Kafka {
  const kafkaLog = log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    connectionTimeout: opts.connectionTimeoutMs ?? 3000,
    requestTimeout: opts.requestTimeoutMs ?? 10_000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        kafkaLog[LEVELS[level] ?? 'info'](rest, message);
      },
  });
}

/**
 * Answers whether the cluster is reachable, through one long-lived admin client, within a
 * deadline; the answer is cached briefly so that readiness probes do not hammer the brokers.
 */
export function kafkaProbe(kafka: Kafka, deadlineMs = 2000, cacheMs = 1000): { check: () => Promise<boolean>; close: () => Promise<void> } {
  let admin: Admin | undefined;
  let last = { at: 0, ok: false };
  let inFlight: Promise<boolean> | undefined;
  const attempt = async (): Promise<boolean> => {
    try {
      admin ??= kafka.admin({ retry: { retries: 0 } });
      await withDeadline(
        (async () => {
          await admin.connect();
          await admin.describeCluster();
        })(),
        deadlineMs,
      );
      return true;
    } catch {
      const a = admin;
      admin = undefined;
      await a?.disconnect().catch(() => undefined);
      return false;
    }
  };
  return {
    check: async () => {
      if (Date.now() - last.at < cacheMs) return last.ok;
      inFlight ??= attempt().then((ok) => {
        last = { at: Date.now(), ok };
        inFlight = undefined;
        return ok;
      });
      return inFlight;
    },
    close: async () => {
      await admin?.disconnect().catch(() => undefined);
    },
  };
}

/**
 * Races `p` against a deadline of `ms` that starts anew whenever `progressAt()` (a time in epoch
 * ms) says something progressed since: it rejects only after `ms` without progress.
 */
export function whileProgressing<T>(p: Promise<T>, ms: number, progressAt: () => number, what = 'operation'): Promise<T> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    const check = () => {
      const left = Math.max(started, progressAt()) + ms - Date.now();
      if (left > 0) timer = setTimeout(check, left);
      else reject(new Error(`${what} made no progress within ${ms} ms`));
    };
    timer = setTimeout(check, ms);
  });
  return Promise.race([p, stalled]).finally(() => clearTimeout(timer));
}

/** Rejects when `p` has not settled within `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
