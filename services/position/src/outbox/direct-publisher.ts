import { type DirectPublishing, deletePublishedEvents, type PendingEvent } from '@cpt/application';
import type { Publisher } from '@cpt/messaging';
import type { Logger } from '@cpt/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { publishEvents } from './outbox-relay.js';

export interface DirectPublisherOptions {
  em: EntityManager;
  publisher: Publisher;
  log: Logger;
  /** Called with the number of events each publish sent (the outbox's counter). */
  onPublished?: (events: number) => void;
}

/** Publishes the events of the batches this process commits, right after each commit. */
export interface DirectPublisher extends DirectPublishing {
  /** Takes the events a batch just committed (its `publishNow`), to publish after those taken before. */
  publish(events: readonly PendingEvent[]): void;
  /** Resolves once every event taken is published, or left to the relay. */
  drain(): Promise<void>;
  /**
   * Resolves once at most `calls` of the {@link publish} calls made so far have events not yet
   * settled (published, or left to the relay): a batch that waits for it before it starts never
   * leaves more than that many batches' events waiting to be published.
   */
  backlogAtMost(calls: number): Promise<void>;
}

/**
 * No extra hop between a batch's commit and Kafka: the events the batch recorded in the outbox are
 * published at once by the process that holds them, then deleted from the outbox; the relay stays
 * the safety net for a crash (or a failure) between the commit and the publish.
 *
 * A campaign's events reach Kafka in seq order. Publishes are sent one after the other (those that
 * wait meanwhile go together), and a batch publishes an event itself only when every older event of
 * its campaign still in the outbox is one this publisher has taken and not settled (`mayPublish`,
 * asked inside the batch's transaction): so the older ones go first, from here. An event is settled
 * after its row is deleted, so an outbox read that still shows the row finds it unsettled. When a
 * publish fails, it and everything taken after it are left in the outbox: the relay publishes them
 * in id order, and later batches of their campaigns leave theirs to the relay too until then. A
 * duplicate (the relay publishing an event that was published from here as well) is harmless:
 * subscribers drop an event by its seq.
 */
export function createDirectPublisher(opts: DirectPublisherOptions): DirectPublisher {
  const publish = publishEvents(opts.publisher);
  const taken = new Set<string>();
  let queue: PendingEvent[] = [];
  let pumping: Promise<void> | undefined;
  // The events of each publish call with some not settled, oldest first (they settle in order).
  const calls: (readonly PendingEvent[])[] = [];
  let waiters: { calls: number; resolve: () => void }[] = [];

  const settle = (events: readonly PendingEvent[]) => {
    for (const e of events) taken.delete(e.id);
    while (calls.length > 0 && (calls[0] as readonly PendingEvent[]).every((e) => !taken.has(e.id))) calls.shift();
    const ready = waiters.filter((w) => calls.length <= w.calls);
    waiters = waiters.filter((w) => calls.length > w.calls);
    for (const w of ready) w.resolve();
  };

  const pump = async (): Promise<void> => {
    while (queue.length > 0) {
      const events = queue;
      queue = [];
      try {
        await publish(events);
      } catch (err) {
        // What waits behind them may be of the same campaigns: it must not overtake them.
        const left = [...events, ...queue];
        queue = [];
        settle(left);
        opts.log.warn({ err, events: left.length }, 'events not published after their commit; the outbox relay publishes them');
        continue;
      }
      opts.onPublished?.(events.length);
      try {
        await deletePublishedEvents(
          opts.em,
          events.map((e) => e.id),
        );
      } catch (err) {
        opts.log.warn({ err, events: events.length }, 'published events not deleted from the outbox; the relay publishes them again');
      }
      settle(events);
    }
  };

  const kick = () => {
    if (pumping || queue.length === 0) return;
    pumping = pump().finally(() => {
      pumping = undefined;
      kick();
    });
  };

  return {
    mayPublish: (older) => older.every((id) => taken.has(id)),
    publish(events) {
      if (events.length === 0) return;
      for (const e of events) taken.add(e.id);
      calls.push(events);
      queue.push(...events);
      kick();
    },
    async drain() {
      while (pumping) await pumping;
    },
    backlogAtMost(n) {
      if (calls.length <= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ calls: n, resolve }));
    },
  };
}
