import { UnavailableError } from '@cpt/domain';
import type { Logger } from '@cpt/platform';
import { CompressionTypes, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { withDeadline } from './kafka.js';

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
}

/**
 * An idempotent producer (acks from all in-sync replicas, one request in flight per broker so
 * that a retry can never reorder a key's messages) whose every wait is bounded.
 */
export function createPublisher(kafka: Kafka, log: Logger, opts: PublisherOptions = {}): Publisher {
  const sendTimeoutMs = opts.sendTimeoutMs ?? 5000;
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
  return {
    connect: () => withDeadline(ensureConnected(), sendTimeoutMs, 'connecting to Kafka'),
    async publish(topic, messages) {
      if (messages.length === 0) return;
      try {
        await withDeadline(
          (async () => {
            await ensureConnected();
            await producer.send({ topic, acks: -1, timeout: sendTimeoutMs, compression: CompressionTypes.None, messages: [...messages] });
          })(),
          sendTimeoutMs,
          `publishing to ${topic}`,
        );
      } catch (err) {
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
