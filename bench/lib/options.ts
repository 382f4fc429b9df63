/**
 * The sizes and durations of a benchmark run. Every value comes from a flag (`--symbols 500` or
 * `--symbols=500`), else from the environment (`BENCH_SYMBOLS=500`), else from the profile
 * (`--quick` or the full default).
 */

export const STAGES = ['ingest', 'guarantee', 'auth', 'consume', 'latency', 'sustain', 'scale', 'rest', 'fanout', 'dashboard'] as const;
export type Stage = (typeof STAGES)[number];

export interface BenchOptions {
  quick: boolean;
  stages: Set<Stage>;
  /** Seed of the random walk of prices. */
  seed: number;
  symbols: number;
  campaigns: number;
  /** Open positions over all campaigns (spread evenly). */
  positions: number;
  /** WebSocket subscribers of the end-to-end stages, and how many campaigns each follows. */
  subscribers: number;
  campaignsPerSubscriber: number;
  /** Ticks each ingest series posts (HTTP) and produces (baseline). */
  ingestTicks: number;
  /** Concurrent HTTP clients of the ingest series, and concurrent sends of its baseline. */
  ingestClients: number;
  /** Seconds of `GET …/positions` per app (with keys, without) in the auth stage. */
  authSeconds: number;
  /** Ticks the consume-and-mark stage replays. */
  consumeTicks: number;
  /** Fixed rates of the tick-to-WebSocket latency stage, and how long each runs. */
  latencyRates: number[];
  latencySeconds: number;
  /** Sustained-rate search: the first rate tried, the window over which lag must not grow, the most steps. */
  sustainStartRate: number;
  sustainWindowSeconds: number;
  sustainSteps: number;
  /**
   * Scaling stage: open positions over `symbols` campaigns (one a symbol), the first size the
   * baseline of the others; the first rate of the baseline's search; and the most rates tried at each size.
   */
  scalePositions: number[];
  scaleStartRate: number;
  scaleSteps: number;
  /** Campaign sizes of the REST stage, and how long each autocannon run lasts. */
  restSizes: number[];
  restSeconds: number;
  /** Connections of the throughput run of the REST stage (the latency run uses one). */
  restConnections: number;
  fanoutSubscribers: number;
  fanoutSeconds: number;
  /** Dashboard stage: the campaign's positions and its baseline's, page loads of each, ticks/s and seconds of each frame window. */
  dashboardPositions: number;
  dashboardBaselinePositions: number;
  dashboardLoads: number;
  dashboardRate: number;
  dashboardSeconds: number;
  /** `bench`: a Kafka broker of the benchmark's own, emptied at every run; `shared`: the local one. */
  kafka: 'bench' | 'shared';
  /** The port of the benchmark's own broker. */
  kafkaPort: number;
  /** When set, the services run with `--cpu-prof` and write their profiles here. */
  profileDir: string | undefined;
  /** When set, the services' log lines are written there at the end, and their log level. */
  logsDir: string | undefined;
  logLevel: string | undefined;
  resultsDir: string;
  /** The scratch database the run wipes and migrates (its name contains "bench"). */
  database: string;
  /**
   * Basis points of the entry over which each campaign's stops are spread (its n-th of k positions
   * n/k of them from the entry), so that the walk reaches some (section 8); null: every stop 5%
   * from the entry, which the walk never reaches.
   */
  nearStops: number | null;
}

type Raw = Map<string, string>;

function rawArgs(argv: readonly string[]): Raw {
  const raw: Raw = new Map();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) raw.set(a.slice(2, eq), a.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')) raw.set(a.slice(2), argv[++i] as string);
    else raw.set(a.slice(2), 'true');
  }
  return raw;
}

const envName = (flag: string) => `BENCH_${flag.toUpperCase().replaceAll('-', '_')}`;

export function parseOptions(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const raw = rawArgs(argv);
  const known = new Set<string>();
  const text = (flag: string): string | undefined => {
    known.add(flag);
    return raw.get(flag) ?? env[envName(flag)];
  };
  const quick = ['true', '1', 'yes'].includes(text('quick') ?? 'false');
  const int = (flag: string, full: number, fast = full): number => {
    const v = text(flag);
    if (v === undefined) return quick ? fast : full;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} (${envName(flag)}) must be a non-negative integer, not ${v}`);
    return n;
  };
  const list = (flag: string, full: number[], fast = full): number[] => {
    const v = text(flag);
    if (v === undefined) return quick ? fast : full;
    const ns = v.split(',').map(Number);
    if (ns.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--${flag} must be a comma-separated list of positive integers`);
    return ns;
  };
  const only = text('only');
  const stages = new Set<Stage>(only === undefined ? STAGES : (only.split(',') as Stage[]));
  for (const s of stages) if (!STAGES.includes(s)) throw new Error(`--only takes stages among ${STAGES.join(', ')}, not ${s}`);
  const kafka = text('kafka') ?? 'bench';
  if (kafka !== 'bench' && kafka !== 'shared') throw new Error('--kafka is bench or shared');
  const o: BenchOptions = {
    quick,
    stages,
    seed: int('seed', 20261125),
    symbols: int('symbols', 1000),
    campaigns: int('campaigns', 200),
    positions: int('positions', 10_000),
    subscribers: int('subscribers', 500),
    campaignsPerSubscriber: int('campaigns-per-subscriber', 2),
    ingestTicks: int('ingest-ticks', 200_000, 40_000),
    ingestClients: int('ingest-clients', 4),
    authSeconds: int('auth-seconds', 10, 4),
    consumeTicks: int('consume-ticks', 300_000, 60_000),
    latencyRates: list('latency-rates', [100, 1000, 5000]),
    latencySeconds: int('latency-seconds', 20, 3),
    sustainStartRate: int('sustain-start-rate', 4000),
    sustainWindowSeconds: int('sustain-window-seconds', 10, 5),
    sustainSteps: int('sustain-steps', 7, 3),
    scalePositions: list('scale-positions', [10_000, 100_000]),
    scaleStartRate: int('scale-start-rate', 1000),
    scaleSteps: int('scale-steps', 5, 4),
    restSizes: list('rest-sizes', [150, 1000]),
    restSeconds: int('rest-seconds', 10, 1),
    restConnections: int('rest-connections', 8),
    fanoutSubscribers: int('fanout-subscribers', 1000),
    fanoutSeconds: int('fanout-seconds', 10, 2),
    dashboardPositions: int('dashboard-positions', 1000),
    dashboardBaselinePositions: int('dashboard-baseline-positions', 10),
    dashboardLoads: int('dashboard-loads', 5, 3),
    dashboardRate: int('dashboard-rate', 100),
    dashboardSeconds: int('dashboard-seconds', 10, 5),
    kafka,
    kafkaPort: int('kafka-port', 9192),
    profileDir: text('profile'),
    logsDir: text('logs'),
    logLevel: text('log-level'),
    resultsDir: text('results') ?? 'bench/results',
    database: text('database') ?? 'campaigns_bench',
    nearStops: text('near-stops') === undefined ? null : int('near-stops', 0),
  };
  for (const flag of raw.keys()) if (!known.has(flag)) throw new Error(`unknown flag --${flag}`);
  if (!/^\w*bench\w*$/.test(o.database)) throw new Error('--database must be letters, digits and _, and contain "bench"');
  if (o.campaigns > o.symbols) throw new Error('--campaigns may not exceed --symbols: campaign i trades symbol i');
  if (o.dashboardPositions === 0 || o.dashboardBaselinePositions === 0 || o.dashboardLoads === 0 || o.dashboardSeconds === 0)
    throw new Error('--dashboard-positions, --dashboard-baseline-positions, --dashboard-loads and --dashboard-seconds must be positive');
  if (o.scalePositions.some((n) => n % o.symbols !== 0))
    throw new Error('--scale-positions must be multiples of --symbols: the scaling stage spreads them evenly, one campaign a symbol');
  if (o.campaigns === 0 || o.positions < o.campaigns) throw new Error('at least one campaign, and one position per campaign');
  return o;
}
