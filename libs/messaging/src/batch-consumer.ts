import { isDomainError, PoisonMessageError } from '@cpt/domain';
import { type Logger, REQUEST_ID_HEADER } from '@cpt/platform';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Publisher } from './publisher.js';

/** A message that passed validation, with its correlation id. */
export interface Decoded<T> {
  value: T;
  requestId: string | null;
  offset: string;
}

/** Thrown by `decode` for a message that can never be processed: it goes to the dead-letter topic. */
export { PoisonMessageError } from '@cpt/domain';

export interface BatchConsumerOptions<T> {
  kafka: Kafka;
  log: Logger;
  groupId: string;
  /** How long the group waits for a silent member before moving its partitions (default 10 s). */
  sessionTimeoutMs?: number;
  topic: string;
  deadLetterTopic: string;
  deadLetters: Publisher;
  /** Validates one message; throws `PoisonMessageError` (or any error) for one that is invalid. */
  decode: (message: KafkaMessage) => T;
  /** Applies a batch of valid messages in one unit of work; must be idempotent in effect. */
  handle: (items: Decoded<T>[], log: Logger) => Promise<void>;
  /** Whether an error means a dependency is down, so the batch is retried rather than dead-lettered. */
  isTransient?: (err: unknown) => boolean;
  /** The first pause before a batch that failed for a transient reason is retried (default 500 ms); it doubles up to 5 s. */
  retryDelayMs?: number;
  /** Where a group without committed offsets starts: the topic's beginning (default) or its end. */
  fromBeginning?: boolean;
  /**
   * Batches of different partitions handled at once (default 1); a partition's own batches are
   * always handled one after the other, in order.
   */
  partitionsConcurrently?: number;
}

export interface BatchConsumer {
  start(): Promise<void>;
  /** True while the consumer is in its group and fetching. */
  running(): boolean;
  /** Finishes the current batch, commits, and leaves the group. */
  stop(): Promise<void>;
}

/** How often a batch still being handled heartbeats (kafkajs sends one at most every heartbeat interval). */
const HEARTBEAT_DURING_BATCH_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const header = (m: KafkaMessage, name: string): string | null => {
  const v = m.headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? null : one.toString();
};

/**
 * The `error` header of a dead letter: a poison message's own short reason; for anything else,
 * which kind of failure it was, never the failure's text (a database error carries its SQL).
 */
export function deadLetterReason(err: unknown): string {
  if (err instanceof PoisonMessageError) return err.message.slice(0, 300);
  if (isDomainError(err)) return `${err.code}: ${err.message}`.slice(0, 300);
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? `processing failed (database error ${code})` : 'processing failed';
}

/**
 * A kafkajs consumer that processes whole batches: invalid messages go to the dead-letter topic,
 * valid ones are handled together, and offsets are resolved and committed only after the handler
 * (the database transaction) has committed. A transient failure (the database is down) pauses the
 * partition and retries the same batch, heartbeating, until it succeeds or the consumer stops or
 * loses the partition (the batch is then fetched again): a transient failure never dead-letters.
 * A batch that fails for any other reason is handled message by message so that only the
 * messages that really fail are dead-lettered.
 *
 * It reads committed messages only (`read_committed`): what a transactional producer aborted,
 * such as the ticks of a request price-ingest answered 503, never reaches the handler.
 */
export function createBatchConsumer<T>(opts: BatchConsumerOptions<T>): BatchConsumer {
  const transient = opts.isTransient ?? ((err) => isDomainError(err) && err.retriable);
  const retryDelayMs = opts.retryDelayMs ?? 500;
  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    readUncommitted: false,
    sessionTimeout: opts.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: Math.max(1000, Math.floor((opts.sessionTimeoutMs ?? 10_000) / 4)),
    maxBytesPerPartition: 1_048_576,
    maxWaitTimeInMs: 100,
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
  });
  // Running once the group is joined and a first fetch has fixed the starting offsets.
  let joined = false;
  let isRunning = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  consumer.on(consumer.events.FETCH, () => {
    if (joined) isRunning = true;
  });
  consumer.on(consumer.events.STOP, () => {
    joined = false;
    isRunning = false;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    isRunning = false;
    opts.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
  });

  const deadLetter = async (m: KafkaMessage, partition: number, err: unknown) => {
    const reason = deadLetterReason(err);
    opts.log.warn({ partition, offset: m.offset, requestId: header(m, REQUEST_ID_HEADER), reason, err }, 'message dead-lettered');
    await opts.deadLetters.publish(opts.deadLetterTopic, [
      {
        key: m.key,
        value: m.value ?? Buffer.alloc(0),
        headers: {
          ...Object.fromEntries(
            Object.entries(m.headers ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? (v[0] ?? '') : v]])),
          ),
          error: reason,
          'original-topic': opts.topic,
          'original-partition': String(partition),
          'original-offset': m.offset,
        },
      },
    ]);
  };

  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: [opts.topic], fromBeginning: opts.fromBeginning ?? true });
      await consumer.run({
        eachBatchAutoResolve: false,
        autoCommit: true,
        autoCommitInterval: 1000,
        partitionsConsumedConcurrently: opts.partitionsConcurrently ?? 1,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning: alive, isStale }) => {
          if (!alive() || isStale() || batch.messages.length === 0) return;
          const log = opts.log.child({ partition: batch.partition, firstOffset: batch.firstOffset(), lastOffset: batch.lastOffset() });
          const valid: Decoded<T>[] = [];
          const byOffset = new Map<string, KafkaMessage>();
          for (const m of batch.messages) {
            try {
              valid.push({ value: opts.decode(m), requestId: header(m, REQUEST_ID_HEADER), offset: m.offset });
              byOffset.set(m.offset, m);
            } catch (err) {
              await deadLetter(m, batch.partition, err);
            }
          }
          /**
           * Waits for `work`, heartbeating meanwhile: a batch can take longer than the session
           * timeout (seconds at 100,000 open positions), and kafkajs heartbeats only when asked.
           * Without it the group would take the partitions away and the batch be handled twice.
           */
          const whileBeating = async (work: Promise<void>): Promise<void> => {
            const beat = setInterval(() => {
              heartbeat().catch((err: unknown) => log.debug({ err }, 'heartbeat during a batch failed'));
            }, HEARTBEAT_DURING_BATCH_MS);
            try {
              await work;
            } finally {
              clearInterval(beat);
            }
          };
          /**
           * Handles the items; while that fails for a transient reason, waits (heartbeating) and
           * tries the same items again. False when it gave up because the consumer stops or the
           * partition moved; any other failure is thrown.
           */
          const handleRetrying = async (items: Decoded<T>[]): Promise<boolean> => {
            for (let attempt = 1; ; attempt++) {
              try {
                await whileBeating(opts.handle(items, log));
                return true;
              } catch (err) {
                if (!transient(err)) throw err;
                if (!alive() || isStale()) return false;
                const delay = Math.min(5000, retryDelayMs * 2 ** Math.min(attempt - 1, 10));
                log.warn({ err, attempt, retryInMs: delay, messages: items.length }, 'a dependency is unavailable; retrying the batch');
                for (const until = Date.now() + delay; Date.now() < until && alive() && !isStale(); ) {
                  await sleep(Math.min(1000, until - Date.now()));
                  await heartbeat();
                }
              }
            }
          };
          let handled: boolean;
          try {
            handled = await handleRetrying(valid);
          } catch (err) {
            log.error({ err }, 'batch failed; retrying its messages one by one');
            handled = true;
            for (const item of valid) {
              await heartbeat();
              try {
                handled = await handleRetrying([item]);
              } catch (one) {
                await deadLetter(byOffset.get(item.offset) as KafkaMessage, batch.partition, one);
              }
              if (!handled) break;
            }
          }
          // Stopping, or the partition moved: nothing is resolved, and the batch is fetched again.
          if (!handled) return;
          resolveOffset(batch.lastOffset());
          await commitOffsetsIfNecessary();
          await heartbeat();
        },
      });
    },
    running: () => isRunning,
    async stop() {
      await consumer.stop();
      await consumer.disconnect();
      isRunning = false;
    },
  };
}
