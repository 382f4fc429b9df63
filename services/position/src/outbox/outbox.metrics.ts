import { type OutboxBacklog, outboxBacklog } from '@cpt/application';
import { withDeadline } from '@cpt/messaging';
import { counter, gauge, type MetricsRegistry } from '@cpt/platform';
import type { EntityManager } from '@mikro-orm/postgresql';

/** How long a scrape waits for the outbox's figures before it leaves them out. */
const SCRAPE_DEADLINE_MS = 1000;

/**
 * `cpt_outbox_backlog` and `cpt_outbox_oldest_age_seconds`, read from the table at each scrape
 * (a bounded count and one row through the primary key), so that every position instance reports
 * the same figures, the relay's lock holder or not. When PostgreSQL does not answer within a
 * second, both are NaN (unknown) in that scrape, never a reassuring 0. Returns the counter the relay adds its events to.
 */
export function outboxMetrics(registry: MetricsRegistry, em: EntityManager): (published: number) => void {
  let reading: Promise<OutboxBacklog | undefined> | undefined;
  // The two gauges are collected together at each scrape: one query serves both.
  const backlog = () => {
    reading ??= withDeadline(outboxBacklog(em.fork()), SCRAPE_DEADLINE_MS, 'reading the outbox backlog')
      .catch(() => undefined)
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  gauge(registry, {
    name: 'cpt_outbox_backlog',
    help: 'Events recorded in the outbox (campaign_events) and not yet published to campaign.events (counted up to 100,000).',
    async collect() {
      const b = await backlog();
      this.set(b ? b.rows : Number.NaN);
    },
  });
  gauge(registry, {
    name: 'cpt_outbox_oldest_age_seconds',
    help: 'Age of the oldest event waiting in the outbox; 0 when it is empty. Growing means the relay does not publish.',
    async collect() {
      const b = await backlog();
      this.set(b ? b.oldestAgeSeconds : Number.NaN);
    },
  });
  const published = counter(registry, {
    name: 'cpt_outbox_published_total',
    help: 'Outbox events this instance published to campaign.events and then deleted.',
  });
  return (n) => published.inc(n);
}
