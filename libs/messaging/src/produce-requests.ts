import type { TopicMessages } from 'kafkajs';
import type { OutgoingMessage } from './publisher.js';

// What a record costs beyond its key, value and headers: lengths, offsets, attributes.
const RECORD_OVERHEAD_BYTES = 32;

const sizeOf = (m: OutgoingMessage): number => {
  let n = RECORD_OVERHEAD_BYTES + Buffer.byteLength(m.value) + (m.key === null ? 0 : Buffer.byteLength(m.key));
  for (const [k, v] of Object.entries(m.headers ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
};

/** The messages of one publish. */
export interface Publish {
  topic: string;
  messages: readonly OutgoingMessage[];
}

/** One produce request, and the publishes whose last message it carries. */
export interface ProduceRequest<P extends Publish> {
  topicMessages: TopicMessages[];
  /** The publishes whose last message this request carries: done once it is acknowledged. */
  completes: P[];
}

/**
 * Packs the publishes, in order, into requests of at most `maxBytes` (a larger message goes alone).
 * A broker refuses a record batch past its `message.max.bytes` (1 MiB by default) and kafkajs puts
 * all of a partition's messages of one request into one batch, so more is sent in several requests.
 */
export function planRequests<P extends Publish>(batch: readonly P[], maxBytes: number): ProduceRequest<P>[] {
  const requests: ProduceRequest<P>[] = [];
  let byTopic = new Map<string, TopicMessages>();
  let completes: P[] = [];
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
