import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';

export type { Counter, Gauge, Histogram, Registry as MetricsRegistry };

/**
 * The metrics of one service process, served at `GET /metrics` in Prometheus's text format: its
 * own (`cpt_…`), and prom-client's default Node.js metrics (`process_…`, `nodejs_…`: CPU, memory,
 * GC, handles, and the event-loop delay as `nodejs_eventloop_lag_*_seconds`). Every series
 * carries `service`. Labels hold bounded values only: never an account, key, campaign or symbol.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

type Config<C> = Omit<C, 'registers'>;

// A metric is defined by the module that updates it; asking twice (two publishers in one process)
// returns the one already registered, so a module needs no registration order.
function once<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/** The counter `config.name` of the registry, registered on first use. */
export function counter<L extends string = string>(registry: Registry, config: Config<CounterConfiguration<L>>): Counter<L> {
  return once(registry, config.name, () => new Counter<L>({ ...config, registers: [registry] }));
}

/** The gauge `config.name` of the registry, registered on first use. */
export function gauge<L extends string = string>(registry: Registry, config: Config<GaugeConfiguration<L>>): Gauge<L> {
  return once(registry, config.name, () => new Gauge<L>({ ...config, registers: [registry] }));
}

/** The histogram `config.name` of the registry, registered on first use. */
export function histogram<L extends string = string>(registry: Registry, config: Config<HistogramConfiguration<L>>): Histogram<L> {
  return once(registry, config.name, () => new Histogram<L>({ ...config, registers: [registry] }));
}

/**
 * Buckets (seconds) for the work of a request or a batch: 1 ms to 10 s. Prometheus interpolates
 * within a bucket, so a quantile is as precise as the buckets around it.
 */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
