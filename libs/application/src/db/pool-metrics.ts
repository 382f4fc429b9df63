import { gauge, type MetricsRegistry } from '@cpt/platform';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * `cpt_db_pool_connections{state}` and `cpt_db_pool_max`, read from the ORM's connection pool at
 * each scrape (a few counters in memory, no query). `pending` counts the queries waiting for a
 * connection: above zero for long, the pool is too small for the load, or queries hold it too long.
 */
export function registerPoolMetrics(registry: MetricsRegistry, em: EntityManager): void {
  const pool = () => em.getConnection().getKnex().client.pool;
  gauge(registry, {
    name: 'cpt_db_pool_connections',
    help: 'PostgreSQL connections of the pool: used (lent to a query), free (idle), and pending (queries waiting for one).',
    labelNames: ['state'] as const,
    collect() {
      // Before the first query the pool may not exist yet: nothing used, nothing free.
      const p = pool();
      this.set({ state: 'used' }, p?.numUsed() ?? 0);
      this.set({ state: 'free' }, p?.numFree() ?? 0);
      this.set({ state: 'pending' }, p ? p.numPendingAcquires() : 0);
    },
  });
  gauge(registry, {
    name: 'cpt_db_pool_max',
    help: 'The most PostgreSQL connections the pool opens.',
    collect() {
      this.set(em.config.get('pool')?.max ?? 0);
    },
  });
}
