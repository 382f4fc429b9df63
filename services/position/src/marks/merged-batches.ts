import type { Logger } from '@cpt/platform';

/** Handles the items of one batch (or of several, merged). */
export type BatchHandler<T> = (items: T[], log: Logger) => Promise<void>;

/**
 * kafkajs hands the batches of one fetch, one a partition, to workers that run at once. Each
 * would be a transaction of its own; this handler applies the batches that arrive together (in
 * the same turn of the event loop, or while earlier calls run) in one call of `run`, at most
 * `maxRunning` calls at a time (1 by default; with 2, one's event loop work would overlap the
 * other's database round trips, which measured no better, see bench/README.md):
 * one transaction where there were as many as partitions, its statements and its events once per
 * fetch, not once per partition. Each caller's promise settles with that call, so that each
 * partition's offsets are committed only after its items are. A partition's next batch comes only
 * after its last one settled, so calls at the same time hold different partitions.
 *
 * Batches of different partitions hold different symbols, so merging changes nothing of what
 * they mark. When a merged call fails for a transient reason, every caller gets the error and
 * retries (merged again); for any other reason, each caller's batch runs again on its own, so that
 * one batch's failure is never another's (the consumer then finds the message at fault). A merged
 * call logs with `log` and `batches`: each batch's partition and offsets, as its own logger has them.
 */
export function mergedBatches<T>(
  run: BatchHandler<T>,
  isTransient: (err: unknown) => boolean,
  log: Logger,
  maxRunning = 1,
): BatchHandler<T> {
  interface Waiting {
    items: T[];
    log: Logger;
    resolve: () => void;
    reject: (err: unknown) => void;
  }
  let waiting: Waiting[] = [];
  let running = 0;
  let scheduled = false;

  const alone = (w: Waiting) => run(w.items, w.log).then(w.resolve, w.reject);

  /** One call: of every batch waiting now. */
  const runGroup = async (group: Waiting[]): Promise<void> => {
    if (group.length === 1) return alone(group[0] as Waiting);
    try {
      // The log of the merged call names each batch as its own log would (partition, offsets).
      const batches = group.map((w) => {
        const { partition, firstOffset, lastOffset } = w.log.bindings();
        return { partition, firstOffset, lastOffset };
      });
      await run(
        group.flatMap((w) => w.items),
        log.child({ batches }),
      );
      for (const w of group) w.resolve();
    } catch (err) {
      if (isTransient(err)) for (const w of group) w.reject(err);
      else for (const w of group) await alone(w);
    }
  };

  const kick = (): void => {
    if (scheduled || running >= maxRunning || waiting.length === 0) return;
    scheduled = true;
    // The other partitions' workers of the same fetch start in this turn: they join.
    setImmediate(() => {
      scheduled = false;
      if (running >= maxRunning || waiting.length === 0) return;
      const group = waiting;
      waiting = [];
      running++;
      void runGroup(group).finally(() => {
        running--;
        kick();
      });
      kick();
    });
  };

  return (items, batchLog) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ items, log: batchLog, resolve, reject });
      kick();
    });
}
