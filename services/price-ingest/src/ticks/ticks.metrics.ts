import { isDomainError } from '@cpt/domain';
import { counter, type MetricsRegistry } from '@cpt/platform';

/** The ticks price-ingest took and refused. */
export interface TickMetrics {
  /** Ticks Kafka acknowledged (the request was answered 202). */
  accepted(count: number): void;
  /** The ticks of a request whose body was read, then refused with `err`. */
  refused(body: unknown, err: unknown): void;
}

export function tickMetrics(registry: MetricsRegistry): TickMetrics {
  const accepted = counter(registry, {
    name: 'cpt_ticks_accepted_total',
    help: 'Ticks published to market.ticks and acknowledged by Kafka (their request answered 202).',
  });
  const refused = counter(registry, {
    name: 'cpt_ticks_refused_total',
    help:
      "Ticks of requests refused once their body was read, by reason, the answer's error code: validation_failed (422), " +
      'payload_too_large (413, over 10,000 ticks), unavailable (503, Kafka did not acknowledge), internal (500). Requests ' +
      'refused before their body is read (no key, rate limit, malformed JSON) are counted in cpt_http_requests_total only.',
    labelNames: ['reason'] as const,
  });
  return {
    accepted: (count) => accepted.inc(count),
    refused: (body, err) => {
      if (body === undefined || body === null) return;
      // All or nothing: every tick of a refused request is refused.
      refused.inc({ reason: isDomainError(err) ? err.code : 'internal' }, Array.isArray(body) ? body.length : 1);
    },
  };
}
