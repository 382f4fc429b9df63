import type { Logger } from './logger.js';

/**
 * One shutdown path for a process: on SIGTERM/SIGINT (or an uncaught failure) run `close`
 * once, within `graceMs`, then exit — with 1 after a crash or a failed close, never 0.
 */
export function onShutdown(log: Logger, close: () => Promise<void>, graceMs = 25_000): void {
  let closing = false;
  const run = async (reason: string, failed: boolean) => {
    if (closing) return;
    closing = true;
    log.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ graceMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    try {
      await close();
      log.info('stopped');
      process.exit(failed ? 1 : 0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void run('SIGTERM', false));
  process.once('SIGINT', () => void run('SIGINT', false));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    void run('uncaughtException', true);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    void run('unhandledRejection', true);
  });
}
