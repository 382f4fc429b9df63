import type { MarkResult } from '@cpt/application';
import { counter, DURATION_BUCKETS, histogram, type MetricsRegistry } from '@cpt/platform';

/** What the marks consumer records of each batch it commits. */
export type MarksMetrics = (batch: { ticks: number; seconds: number; result: MarkResult }) => void;

export function marksMetrics(registry: MetricsRegistry): MarksMetrics {
  const ticks = counter(registry, {
    name: 'cpt_mark_ticks_total',
    help: 'Valid ticks of market.ticks applied to marks and excursions (dead-lettered ones are not counted).',
  });
  const marked = counter(registry, {
    name: 'cpt_marks_total',
    help: 'Open positions whose mark or excursions a committed batch moved.',
  });
  const skipped = counter(registry, {
    name: 'cpt_marks_skipped_total',
    help: 'Marks not applied to a position because its P&L would not fit NUMERIC(18,8) (contract section 6): the position keeps its last mark.',
  });
  const breaches = counter(registry, {
    name: 'cpt_stop_breaches_total',
    help: 'Open positions whose stop a committed batch breached (contract section 8), exited ones included.',
  });
  const stopExits = counter(registry, {
    name: 'cpt_stop_exits_total',
    help: 'Positions a committed batch exited at their stop, in campaigns with auto_exit_on_stop (contract section 8).',
  });
  const duration = histogram(registry, {
    name: 'cpt_mark_batch_duration_seconds',
    help: 'Time to mark one batch of ticks in one transaction, from the first statement to the commit.',
    buckets: DURATION_BUCKETS,
  });
  return (batch) => {
    ticks.inc(batch.ticks);
    marked.inc(batch.result.marked);
    skipped.inc(batch.result.skipped.length);
    breaches.inc(batch.result.breached);
    stopExits.inc(batch.result.stopExits.length);
    duration.observe(batch.seconds);
  };
}
