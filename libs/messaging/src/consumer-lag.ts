import type { Logger, MetricsRegistry } from '@cpt/platform';
import type { Admin, Kafka } from 'kafkajs';
import { withDeadline } from './kafka.js';
import { consumerLag } from './metrics.js';

export interface ConsumerLagOptions {
  kafka: Kafka;
  registry: MetricsRegistry;
  log: Logger;
  groupId: string;
  topic: string;
  /** How often the offsets are read (default 10 s): two small admin requests each time. */
  intervalMs?: number;
}

export interface ConsumerLagMonitor {
  /** Reads the offsets now, then every `intervalMs`. */
  start(): void;
  /** Reads the offsets once and sets `cpt_kafka_consumer_lag`. */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Keeps `cpt_kafka_consumer_lag{topic, partition}` of a consumer group: each partition's high
 * watermark minus the offset the group committed there, read through an admin client of its own
 * every `intervalMs`, off the consumer's path. It sees a consumer that has stopped or fallen
 * behind, which the consumer itself cannot report. A partition on which the group has committed
 * nothing yet is left out (where the group will start is not known); while Kafka does not answer,
 * the topic's partitions are left out too, so that a stale figure is never shown.
 */
export function createConsumerLagMonitor(opts: ConsumerLagOptions): ConsumerLagMonitor {
  const lag = consumerLag(opts.registry);
  const intervalMs = opts.intervalMs ?? 10_000;
  let admin: Admin | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let failing = false;
  const shown = new Set<number>();

  const show = (values: Map<number, number>) => {
    for (const partition of shown) if (!values.has(partition)) lag.remove({ topic: opts.topic, partition: String(partition) });
    shown.clear();
    for (const [partition, value] of values) {
      lag.set({ topic: opts.topic, partition: String(partition) }, value);
      shown.add(partition);
    }
  };

  const read = async (): Promise<Map<number, number>> => {
    admin ??= opts.kafka.admin({ retry: { retries: 0 } });
    await admin.connect();
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(opts.topic),
      admin.fetchOffsets({ groupId: opts.groupId, topics: [opts.topic] }),
    ]);
    const high = new Map(ends.map((p) => [p.partition, Number(p.high)]));
    const values = new Map<number, number>();
    for (const p of committed?.partitions ?? []) {
      const at = Number(p.offset);
      const end = high.get(p.partition);
      if (at >= 0 && end !== undefined) values.set(p.partition, Math.max(0, end - at));
    }
    return values;
  };

  const refresh = async (): Promise<void> => {
    try {
      show(await withDeadline(read(), Math.min(intervalMs, 5000), 'reading consumer offsets'));
      failing = false;
    } catch (err) {
      show(new Map());
      if (!failing) opts.log.warn({ err, groupId: opts.groupId, topic: opts.topic }, 'cannot read consumer offsets; lag unknown meanwhile');
      failing = true;
      const a = admin;
      admin = undefined;
      await a?.disconnect().catch(() => undefined);
    }
  };

  const tick = () => {
    inFlight ??= refresh().finally(() => {
      inFlight = undefined;
    });
  };

  return {
    start() {
      if (timer) return;
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    refresh: async () => {
      tick();
      await inFlight;
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await inFlight;
      await admin?.disconnect().catch(() => undefined);
      admin = undefined;
    },
  };
}
