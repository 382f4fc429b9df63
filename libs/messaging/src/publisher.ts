import { UnavailableError } from '@cpt/domain';
import type { Logger, MetricsRegistry } from '@cpt/platform';
import { CompressionTypes, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { whileProgressing, withDeadline } from './kafka.js';
import { publishDuration } from './metrics.js';
import { type Publish, planRequests } from './produce-requests.js';

/** One message to publish. */
export interface OutgoingMessage {
  key: string | Buffer | null;
  value: string | Buffer;
  headers?: Record<string, string | Buffer>;
}

export interface Publisher {
  connect(): Promise<void>;
  /**
   * Publishes the messages and resolves only when every in-sync replica acknowledged them all;
   * rejects with `UnavailableError` when Kafka does not within the deadline.
   */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface PublisherOptions {
  /**
   * How long a publish may wait without Kafka acknowledging anything before it is reported
   * unavailable: a publish of many requests (the events of a batch at 100,000 open positions are
   * tens of MB) may take longer in all, as long as its requests keep being acknowledged.
   */
  sendTimeoutMs?: number;
  /**
   * The most bytes of messages one produce request carries. A broker refuses a record batch past
   * its `message.max.bytes` (1 MiB by default) and kafkajs puts all of a partition's messages of
   * one request into one batch, so more is sent in several requests, one after the other.
   */
  maxRequestBytes?: number;
  /** Where `cpt_kafka_publish_duration_seconds` is recorded, when given. */
  metrics?: MetricsRegistry;
}

interface Pending extends Publish {
  messages: OutgoingMessage[];
  expired: boolean;
  settle: (err?: unknown) => void;
}

/**
 * An idempotent producer (acks from all in-sync replicas, one request in flight per broker so
 * that a retry can never reorder a key's messages) whose every wait is bounded.
 *
 * Publishes that arrive while a request is in flight are sent together in the next one (a group
 * commit), so one-at-a-time in flight does not cap the rate at one round trip per caller. A
 * publish that times out while it waits in the queue or for the connection is not sent; but one
 * whose request is already on its way may still be written after its caller was told
 * `unavailable` (kafkajs retries it). So this publisher delivers at least once: it suits
 * consumers that drop duplicates (the outbox relay's events carry a seq). Where `unavailable`
 * must mean that nothing was published, use `createTransactionalPublisher`.
 */
export function createPublisher(kafka: Kafka, log: Logger, opts: PublisherOptions = {}): Publisher {
  const sendTimeoutMs = opts.sendTimeoutMs ?? 5000;
  const maxRequestBytes = opts.maxRequestBytes ?? 512 * 1024;
  const latency = opts.metrics && publishDuration(opts.metrics);
  // Retries are bounded so that a send fails within the deadline instead of retrying forever.
  const newProducer = (): Producer => {
    const p = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    p.on(p.events.DISCONNECT, () => {
      if (p === producer) connected = undefined;
    });
    return p;
  };
  let producer = newProducer();
  let connected: Promise<void> | undefined;
  const ensureConnected = () => {
    connected ??= producer.connect().catch((err: unknown) => {
      connected = undefined;
      throw err;
    });
    return connected;
  };
  /**
   * After a failed send kafkajs winds its sequence numbers back, for the partitions whose batches
   * were written too; the broker then takes the next batch with those numbers for a duplicate,
   * answers it as written and drops it (found by the scale-out test: events acknowledged, never
   * on the topic). A producer that failed is therefore replaced: the new one has a producer id of
   * its own, and its sequence numbers start afresh. A batch sent again is a duplicate that the
   * consumers drop by its seq.
   */
  const replaceProducer = (): void => {
    const failed = producer;
    producer = newProducer();
    connected = undefined;
    void failed.disconnect().catch(() => undefined);
  };

  let queue: Pending[] = [];
  let sending = false;
  // When Kafka last acknowledged a request of this publisher: a publish waits as long as they keep coming.
  let lastProgress = 0;
  const pump = async (): Promise<void> => {
    if (sending) return;
    const batch = queue.filter((p) => !p.expired);
    queue = [];
    if (batch.length === 0) return;
    sending = true;
    const unsettled = new Set(batch);
    try {
      await ensureConnected();
      // Connecting can outlast a deadline: what was answered meanwhile is not sent.
      for (const p of batch) if (p.expired) unsettled.delete(p);
      // One request after the other: with one in flight, a key's messages keep their order.
      for (const request of planRequests([...unsettled], maxRequestBytes)) {
        await producer.sendBatch({
          acks: -1,
          timeout: sendTimeoutMs,
          compression: CompressionTypes.None,
          topicMessages: request.topicMessages,
        });
        lastProgress = Date.now();
        for (const p of request.completes) {
          unsettled.delete(p);
          p.settle();
        }
      }
    } catch (err) {
      replaceProducer();
      for (const p of unsettled) p.settle(err);
    } finally {
      sending = false;
    }
    await pump();
  };

  return {
    connect: () => withDeadline(ensureConnected(), sendTimeoutMs, 'connecting to Kafka'),
    async publish(topic, messages) {
      if (messages.length === 0) return;
      let pending: Pending | undefined;
      const done = new Promise<void>((resolve, reject) => {
        pending = { topic, messages: [...messages], expired: false, settle: (err) => (err === undefined ? resolve() : reject(err)) };
      });
      queue.push(pending as Pending);
      void pump();
      const timer = latency?.startTimer({ topic });
      try {
        await whileProgressing(done, sendTimeoutMs, () => lastProgress, `publishing to ${topic}`);
        timer?.({ outcome: 'acknowledged' });
      } catch (err) {
        timer?.({ outcome: 'failed' });
        (pending as Pending).expired = true;
        log.warn({ err, topic, count: messages.length }, 'Kafka did not acknowledge the messages');
        throw new UnavailableError('Kafka cannot take the messages', err);
      }
    },
    disconnect: async () => {
      await producer.disconnect().catch(() => undefined);
      connected = undefined;
    },
  };
}
