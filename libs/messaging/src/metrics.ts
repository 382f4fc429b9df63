import { DURATION_BUCKETS, gauge, histogram, type MetricsRegistry } from '@cpt/platform';

/** How long a publish waited for every in-sync replica's acknowledgement (or gave up), by topic and outcome. */
export const publishDuration = (registry: MetricsRegistry) =>
  histogram(registry, {
    name: 'cpt_kafka_publish_duration_seconds',
    help: 'Time from handing messages to the producer until Kafka acknowledged them all (outcome acknowledged) or the publish gave up (failed), by topic.',
    labelNames: ['topic', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
  });

/** Messages a consumer group has yet to consume, per partition. */
export const consumerLag = (registry: MetricsRegistry) =>
  gauge(registry, {
    name: 'cpt_kafka_consumer_lag',
    help: "Messages of a partition that this service's consumer group has not committed yet: the partition's high watermark minus the group's committed offset, refreshed periodically.",
    labelNames: ['topic', 'partition'] as const,
  });
