import { isDatabaseUnavailable, markTicks, type OpenBook } from '@cpt/application';
import type { TickEnvelope } from '@cpt/contracts';
import { isDomainError } from '@cpt/domain';
import { type BatchConsumer, createBatchConsumer, type Decoded, type Publisher, TOPICS } from '@cpt/messaging';
import type { Logger, MetricsRegistry } from '@cpt/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Kafka } from 'kafkajs';
import type { DirectPublisher } from '../outbox/direct-publisher.js';
import { decodeTick } from './decode-tick.js';
import { earlyTicksCheck } from './early-ticks.js';
import { marksMetrics } from './marks.metrics.js';
import { mergedBatches } from './merged-batches.js';

/** The marks consumer, and what it counted since it started. */
export interface MarksConsumer extends BatchConsumer {
  stats(): { marksSkipped: number; ticksBeforeEntry: number };
}

export interface MarksConsumerOptions {
  kafka: Kafka;
  log: Logger;
  em: EntityManager;
  groupId: string;
  sessionTimeoutMs?: number;
  /** Where a new group starts: the beginning of the topic (default) or its end. */
  fromBeginning?: boolean;
  deadLetters: Publisher;
  /** Where the marks metrics (`cpt_mark…`) are recorded, when given. */
  metrics?: MetricsRegistry;
  /**
   * Batches of different partitions taken at once (default 6), marked together in one transaction;
   * a partition's own are marked in order.
   */
  partitionsConcurrently?: number;
  /** Publishes each batch's events right after its commit; without it, the outbox relay does. */
  direct?: DirectPublisher;
  /** Keeps the campaigns a batch read for the next batches (`MARKS_CACHED_POSITIONS`); without it, each batch reads them. */
  book?: OpenBook;
}

/**
 * Consumes `market.ticks` and marks open positions: each batch is coalesced to the newest tick
 * per symbol and applied in one transaction; its offsets are committed after that commit.
 */
export function createMarksConsumer(opts: MarksConsumerOptions): MarksConsumer {
  const isTransient = (err: unknown) => isDatabaseUnavailable(err) || (isDomainError(err) && err.retriable);
  const stats = { marksSkipped: 0, ticksBeforeEntry: 0 };
  const record = opts.metrics && marksMetrics(opts.metrics);
  const marksLog = opts.log.child({ component: 'marks' });
  const checkEarlyTicks = earlyTicksCheck({ em: opts.em, log: marksLog, metrics: opts.metrics });
  const consumer = createBatchConsumer<TickEnvelope>({
    kafka: opts.kafka,
    log: marksLog,
    groupId: opts.groupId,
    ...(opts.sessionTimeoutMs ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
    fromBeginning: opts.fromBeginning ?? true,
    topic: TOPICS.ticks,
    deadLetterTopic: TOPICS.ticksDeadLetter,
    deadLetters: opts.deadLetters,
    decode: decodeTick,
    isTransient,
    // The batches of several partitions taken at once are marked together, in one transaction
    // (`mergedBatches`). Partitions are keyed by symbol and a campaign has one symbol, so they
    // touch different symbols and campaigns (and every writer locks campaigns in id order anyway).
    partitionsConcurrently: opts.partitionsConcurrently ?? 6,
    handle: mergedBatches<Decoded<TickEnvelope>>(
      async (items, log) => {
        if (items.length === 0) return;
        const arrived = performance.now();
        // Backpressure: the events of the batch before this one's may still be on their way to
        // Kafka, not those of any older batch. When publishing falls behind (tens of MB of events a
        // batch at 100,000 open positions), the batches wait and conflate more ticks instead of
        // piling events up in the outbox, where they would reach subscribers later and later.
        await opts.direct?.backlogAtMost(1);
        const started = performance.now();
        // Every tick: the newest of each symbol marks, and all of them move excursions (section 9).
        // Their price and ts stay text: the batch is reduced on it before anything is converted.
        const ticks = items.map((i) => ({ symbol: i.value.symbol, price: i.value.price, ts: i.value.ts, requestId: i.requestId }));
        const result = await markTicks(opts.em, ticks, {
          ...(opts.direct ? { direct: opts.direct } : {}),
          ...(opts.book ? { book: opts.book } : {}),
        });
        // Committed: its events go to Kafka now, not after a round of the relay.
        opts.direct?.publish(result.publishNow);
        const requestIds = [...new Set(items.map((i) => i.requestId).filter((r): r is string => r !== null))];
        // Section 6: a mark whose P&L would not fit NUMERIC(18,8) is not applied, and is reported.
        stats.marksSkipped += result.skipped.length;
        record?.({ ticks: items.length, seconds: (performance.now() - started) / 1000, result });
        for (const skipped of result.skipped.slice(0, 20)) log.warn(skipped, 'mark not applied: its P&L would not fit NUMERIC(18,8)');
        // Section 8: each automatic exit at a stop, as a command's change would be logged.
        for (const e of result.stopExits) {
          log.info(
            { campaignId: e.campaignId, positionId: e.positionId, price: e.exit.price, date: e.exit.date, requestId: e.requestId },
            'position exited at its stop',
          );
        }
        for (const r of result.refusedStopExits) log.warn(r, 'stop breached, automatic exit refused by the exit rules');
        log.info(
          {
            ticks: items.length,
            marked: result.marked,
            skipped: result.skipped.length,
            campaigns: result.campaigns,
            breached: result.breached,
            stopExits: result.stopExits.length,
            perTick: result.perTick,
            requestIds: requestIds.slice(0, 100),
            ms: Math.round(performance.now() - started),
            // How long the batch waited for the events of older batches to be published.
            publishWaitMs: Math.round(started - arrived),
          },
          'marks committed',
        );
        // After the commit, and never failing the batch: a tick that predates every open entry of its
        // symbol marked nothing, which the 202 of price-ingest did not tell its sender.
        try {
          stats.ticksBeforeEntry += await checkEarlyTicks(ticks, result);
        } catch (err) {
          log.debug({ err }, 'could not check the batch for ticks dated before every open entry');
        }
      },
      isTransient,
      marksLog,
    ),
  });
  return { ...consumer, stats: () => ({ ...stats }) };
}
