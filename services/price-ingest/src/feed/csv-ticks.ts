/** One row of a replay file, with the text as written. */
export interface CsvTick {
  symbol: string;
  price: string;
  ts: string;
  source?: string;
  /** The line of the file it came from, for messages. */
  line: number;
}

/** Raised when a replay file is not the CSV the feed reads. */
export class CsvError extends Error {}

/** Splits one CSV line into fields: commas separate, double quotes enclose, `""` is a quote. */
export function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field.trim());
      field = '';
    } else field += c;
    i++;
  }
  if (quoted) return null;
  fields.push(field.trim());
  return fields;
}

const HEADERS = ['symbol,price,ts', 'symbol,price,ts,source'];

/**
 * Parses a replay file: a header `symbol,price,ts` or `symbol,price,ts,source`, then one tick per
 * line in the order to send them. Blank lines are skipped; values are kept as written, so that the
 * ingest service judges them.
 */
export function parseTicksCsv(text: string): CsvTick[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw new CsvError('the file is empty: expected a header symbol,price,ts[,source]');
  const header = splitCsvLine(lines[headerAt] as string)
    ?.map((h) => h.toLowerCase())
    .join(',');
  if (header === undefined || !HEADERS.includes(header)) {
    throw new CsvError(`line ${headerAt + 1}: expected the header symbol,price,ts or symbol,price,ts,source`);
  }
  const width = header.split(',').length;
  const out: CsvTick[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') continue;
    const fields = splitCsvLine(raw);
    if (fields === null) throw new CsvError(`line ${i + 1}: a quoted field is not closed`);
    if (fields.length !== width) throw new CsvError(`line ${i + 1}: expected ${width} fields, found ${fields.length}`);
    const [symbol, price, ts, source] = fields as [string, string, string, string | undefined];
    out.push({ symbol, price, ts, line: i + 1, ...(source ? { source } : {}) });
  }
  return out;
}
