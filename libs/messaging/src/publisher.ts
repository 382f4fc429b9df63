import { UnavailableError } from '@cpt/domain';
import type { Logger, MetricsRegistry } from '@cpt/platform';
import { CompressionTypes, type Kafka, Partitioners, type Producer, type TopicMessages } from 'kafkajs';
import { withDeadline } from './kafka.js';
import { publishDuration } from './metrics.js';

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
  /** The longest one publish may take before it is reported unavailable. */
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

interface Pending {
  topic: string;
  messages: OutgoingMessage[];
  expired: boolean;
  settle: (err?: unknown) => void;
}

// What a record costs beyond its key, value and headers: lengths, offsets, attributes.
const RECORD_OVERHEAD_BYTES = 32;

const sizeOf = (m: OutgoingMessage): number => {
  let n = RECORD_OVERHEAD_BYTES + Buffer.byteLength(m.value) + (m.key === null ? 0 : Buffer.byteLength(m.key));
  for (const [k, v] of Object.entries(m.headers ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
};

interface ProduceRequest {
  topicMessages: TopicMessages[];
  /** The publishes whose last message this request carries: done once it is acknowledged. */
  completes: Pending[];
}

/** Packs the publishes, in order, into requests of at most `maxBytes` (a larger message goes alone). */
function planRequests(batch: readonly Pending[], maxBytes: number): ProduceRequest[] {
  const requests: ProduceRequest[] = [];
  let byTopic = new Map<string, TopicMessages>();
  let completes: Pending[] = [];
  let bytes = 0;
  const flush = () => {
    requests.push({ topicMessages: [...byTopic.values()], completes });
    byTopic = new Map();
    completes = [];
    bytes = 0;
  };
  for (const p of batch) {
    for (const m of p.messages) {
      const size = sizeOf(m);
      if (bytes > 0 && bytes + size > maxBytes) flush();
      const t = byTopic.get(p.topic) ?? { topic: p.topic, messages: [] };
      t.messages.push(m);
      byTopic.set(p.topic, t);
      bytes += size;
    }
    completes.push(p);
  }
  if (bytes > 0 || completes.length > 0) flush();
  return requests;
}

/**
 * An idempotent producer (acks from all in-sync replicas, one request in flight per broker so
 * that a retry can never reorder a key's messages) whose every wait is bounded.
 *
 * Publishes that arrive while a request is in flight are sent together in the next one (a group
 * commit), so one-at-a-time in flight does not cap the rate at one round trip per caller. A
 * publish that times out before its request left is dropped from the queue: what was answered
 * as unavailable is not sent later.
 */
export function createPublisher(kafka: Kafka, log: Logger, opts: PublisherOptions = {}): Publisher {
  const sendTimeoutMs = opts.sendTimeoutMs ?? 5000;
  const maxRequestBytes = opts.maxRequestBytes ?? 512 * 1024;
  const latency = opts.metrics && publishDuration(opts.metrics);
  // Retries are bounded so that a send fails within the deadline instead of retrying forever.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  let connected: Promise<void> | undefined;
  const ensureConnected = () => {
    connected ??= producer.connect().catch((err: unknown) => {
      connected = undefined;
      throw err;
    });
    return connected;
  };
  producer.on(producer.events.DISCONNECT, () => {
    connected = undefined;
  });

  let queue: Pending[] = [];
  let sending = false;
  const pump = async (): Promise<void> => {
    if (sending) return;
    const batch = queue.filter((p) => !p.expired);
    queue = [];
    if (batch.length === 0) return;
    sending = true;
    const unsettled = new Set(batch);
    try {
      await ensureConnected();
      // One request after the other: with one in flight, a key's messages keep their order.
      for (const request of planRequests(batch, maxRequestBytes)) {
        await producer.sendBatch({
          acks: -1,
          timeout: sendTimeoutMs,
          compression: CompressionTypes.None,
          topicMessages: request.topicMessages,
        });
        for (const p of request.completes) {
          unsettled.delete(p);
          p.settle();
        }
      }
    } catch (err) {
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
        await withDeadline(done, sendTimeoutMs, `publishing to ${topic}`);
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
