import { readFile } from 'node:fs/promises';
import { ApiError, RestClient } from '@cpt/realtime-client';
import { CsvError, parseTicksCsv } from './csv-ticks.js';
import { parseFeedArgs, USAGE } from './feed-options.js';
import { type FeedTick, httpPoster } from './post-ticks.js';
import { createWalk } from './random-walk.js';
import { progressLine, runFeed } from './run-feed.js';
import { chooseStartPrices, marketPrices, type StartPrice, startLine } from './start-prices.js';
import { checkReplayRows, replayTicks, shiftToNow, walkTicks } from './tick-sources.js';

const args = parseFeedArgs(process.argv.slice(2));
if (!args.ok) {
  if (args.help) {
    console.log(USAGE);
    process.exit(0);
  }
  console.error(`${args.message}\n\n${USAGE}`);
  process.exit(2);
}
const { options } = args;

let apiKey = options.key ?? '';
if (!apiKey) {
  try {
    apiKey = (await readFile(options.keyFile, 'utf8')).trim();
  } catch {
    console.error(`no API key: give --key, set CPT_API_KEY, or give --key-file (${options.keyFile} cannot be read; make up writes it)`);
    process.exit(2);
  }
}

/** Where each symbol of the walk starts: --start-price, else what the gateway shows of it, else 100. */
async function startPrices(symbols: readonly string[], given: ReadonlyMap<string, bigint>): Promise<Map<string, StartPrice>> {
  const unread = symbols.filter((s) => !given.has(s));
  if (unread.length === 0) return chooseStartPrices(symbols, given, new Map());
  const rest = new RestClient({
    baseUrl: options.api,
    apiKey,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(5000) }),
  });
  try {
    return chooseStartPrices(symbols, given, await marketPrices(rest, unread));
  } catch (err) {
    // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, a timeout, ...).
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const reason = err instanceof ApiError ? `${err.status} ${err.code}` : (cause ?? (err as Error).message);
    const why = `could not read ${options.api}: ${reason}; --start-price SYMBOL=PRICE sets one`;
    return chooseStartPrices(symbols, given, new Map(), why);
  }
}

let take: (n: number) => FeedTick[];
let what: string;
if (options.source.kind === 'replay') {
  try {
    let rows = parseTicksCsv(await readFile(options.source.file, 'utf8'));
    checkReplayRows(rows);
    let shifted = '';
    if (options.source.shiftToNow) {
      const s = shiftToNow(rows, new Date());
      rows = s.rows;
      shifted = `, moved ${(s.shiftMs / 1000).toFixed(0)} s so that the last is dated now (${rows.at(-1)?.ts ?? ''})`;
    }
    take = replayTicks(rows);
    what = `replay of ${rows.length} ticks from ${options.source.file}${shifted}`;
  } catch (err) {
    console.error(`cannot replay ${options.source.file}: ${err instanceof CsvError ? err.message : (err as Error).message}`);
    process.exit(1);
  }
} else {
  const { symbols, seed, startUnits } = options.source;
  const starts = await startPrices(symbols, startUnits);
  take = walkTicks(createWalk({ symbols, seed, startUnits: new Map([...starts].map(([s, p]) => [s, p.units])) }));
  what = `random walk of ${symbols.join(',')} (seed ${seed}): ${[...starts].map(([s, p]) => startLine(s, p)).join('; ')}`;
}

const pace = options.rate === 0 ? 'as fast as accepted' : `${options.rate} ticks/s`;
const end = options.source.kind === 'replay' ? 'until the file ends or Ctrl-C' : 'until Ctrl-C';
const until = options.durationMs === undefined ? end : `for at most ${options.durationMs / 1000}s`;
console.log(`feed: ${what}`);
console.log(`feed: ${pace} in batches of ${options.batch}, to ${options.url}, ${until}`);

const stop = new AbortController();
const onSignal = () => {
  // A second Ctrl-C does not wait for the request in flight.
  if (stop.signal.aborted) process.exit(130);
  console.log('feed: stopping after the request in flight (Ctrl-C again to quit now)');
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const stats = await runFeed({
  take,
  post: httpPoster(options.url, apiKey),
  rate: options.rate,
  batch: options.batch,
  durationMs: options.durationMs,
  stop: stop.signal,
  onProgress: (s) => console.log(progressLine(s)),
});
console.log(`${progressLine(stats)}  (done)`);
process.exit(stats.errors === 0 ? 0 : 1);
