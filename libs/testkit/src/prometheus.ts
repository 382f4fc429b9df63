/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A Prometheus text exposition (format 0.0.4), parsed. */
export interface Exposition {
  /** `# TYPE` of each metric family, by its name. */
  types: Map<string, string>;
  /** `# HELP` of each metric family, by its name. */
  help: Map<string, string>;
  samples: MetricSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

const unescapeLabel = (v: string): string => v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

function labelsOf(text: string | undefined, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  LABEL.lastIndex = 0;
  let consumed = 0;
  for (let m = LABEL.exec(text); m; m = LABEL.exec(text)) {
    labels[m[1] as string] = unescapeLabel(m[2] as string);
    consumed = LABEL.lastIndex;
  }
  if (consumed !== text.length) throw new Error(`malformed labels in: ${line}`);
  return labels;
}

// As Prometheus reads a value (Go's ParseFloat): NaN and infinities in any case; prom-client writes `Nan`.
const numberOf = (v: string): number => {
  const lower = v.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  return v.trim() === '' ? Number.NaN : Number(v);
};

/** Parses `GET /metrics`; throws on a line that is not a comment, a blank, or a well-formed sample. */
export function parseExposition(text: string): Exposition {
  const out: Exposition = { types: new Map(), help: new Map(), samples: [] };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m?.[1] === 'TYPE') out.types.set(m[2] as string, m[3] as string);
      else if (m?.[1] === 'HELP') out.help.set(m[2] as string, m[3] as string);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample: ${line}`);
    const value = numberOf(m[3] as string);
    if (Number.isNaN(value) && m[3]?.toLowerCase() !== 'nan') throw new Error(`not a number in: ${line}`);
    out.samples.push({ name: m[1] as string, labels: labelsOf(m[2], line), value });
  }
  return out;
}

/** The family (its `# TYPE` name) of a series name, as a query names it; undefined when the exposition has none. */
export function familyOf(exposition: Exposition, name: string): string | undefined {
  if (exposition.types.has(name)) return name;
  // A histogram's or summary's series: `<family>_bucket`, `_sum`, `_count`.
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return exposition.types.has(base) ? base : undefined;
}

/** The sum of the samples of `name` whose labels include `labels`. */
export function sampleSum(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return exposition.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const API_KEY = /cpt_[A-Za-z0-9_-]{20,}/;

/**
 * The label values that must never be in a metric (contract section 11): anything holding a UUID
 * (an account, key, campaign or position id), something shaped like an API key, or one of the
 * `secrets` the test used (its keys, ids, symbols). Returned as `name{label="value"}`.
 */
export function forbiddenLabelValues(exposition: Exposition, secrets: readonly string[] = []): string[] {
  const found: string[] = [];
  for (const s of exposition.samples) {
    for (const [label, value] of Object.entries(s.labels)) {
      if (UUID.test(value) || API_KEY.test(value) || secrets.some((secret) => secret !== '' && value.includes(secret))) {
        found.push(`${s.name}{${label}="${value}"}`);
      }
    }
  }
  return found;
}
