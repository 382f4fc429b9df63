import { keptFrom, type MikroORM, pruneEquity } from '@cpt/application';
import type { EquityInterval } from '@cpt/contracts';
import type { Logger } from '@cpt/platform';

/** Deletes equity points past their resolution's retention, a batch at a time, every `intervalMs`. */
export function createEquityRetention(opts: { orm: MikroORM; log: Logger; intervalMs: number; batch?: number }) {
  const batch = opts.batch ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  /** One pass: every expired point of the pruned resolutions, in batches. */
  async function prune(now = new Date()): Promise<number> {
    let total = 0;
    for (const interval of ['1m', '1h'] as EquityInterval[]) {
      const before = keptFrom(interval, now);
      if (before === null) continue;
      for (let n = batch; n === batch; total += n) n = await pruneEquity(opts.orm.em.fork(), interval, before, batch);
    }
    if (total > 0) opts.log.info({ deleted: total }, 'equity points past their retention deleted');
    return total;
  }

  const tick = () => {
    running = prune()
      .then(() => undefined)
      .catch((err: unknown) => opts.log.warn({ err }, 'equity retention failed; trying again later'))
      .finally(() => {
        running = undefined;
      });
  };

  return {
    prune,
    start(): void {
      tick();
      timer = setInterval(() => running ?? tick(), opts.intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}
