import type { Logger } from '@cpt/platform';

/** Handles the items of one batch (or of several, merged). */
export type BatchHandler<T> = (items: T[], log: Logger) => Promise<void>;

/**
 * kafkajs hands the batches of one fetch, one a partition, to workers that run at once. Each
 * would be a transaction of its own; this handler applies the batches that arrive together (in
 * the same turn of the event loop, or while the previous transaction runs) in one call of `run`,
 * one call at a time: one transaction where there were as many as partitions, its statements and
 * its events once per fetch, not once per partition. Each caller's promise settles with that call,
 * so that each partition's offsets are committed only after its items are.
 *
 * Batches of different partitions hold different symbols, so merging changes nothing of what
 * they mark. When a merged call fails for a transient reason, every caller gets the error and
 * retries (merged again); for any other reason, each caller's batch runs again on its own, so that
 * one batch's failure is never another's (the consumer then finds the message at fault). A merged
 * call logs with `log` and `batches`: each batch's partition and offsets, as its own logger has them.
 */
export function mergedBatches<T>(run: BatchHandler<T>, isTransient: (err: unknown) => boolean, log: Logger): BatchHandler<T> {
  interface Waiting {
    items: T[];
    log: Logger;
    resolve: () => void;
    reject: (err: unknown) => void;
  }
  let waiting: Waiting[] = [];
  let draining = false;

  const alone = (w: Waiting) => run(w.items, w.log).then(w.resolve, w.reject);

  const drain = async () => {
    try {
      while (waiting.length > 0) {
        const group = waiting;
        waiting = [];
        if (group.length === 1) {
          await alone(group[0] as Waiting);
          continue;
        }
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
      }
    } finally {
      draining = false;
    }
  };

  return (items, log) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ items, log, resolve, reject });
      if (draining) return;
      draining = true;
      // The other partitions' workers of the same fetch start in this turn: they join.
      setImmediate(() => void drain());
    });
}
