import { readFile } from 'node:fs/promises';
import { CsvError, parseTicksCsv } from './csv-ticks.js';
import { parseFeedArgs, USAGE } from './feed-options.js';
import { type FeedTick, httpPoster } from './post-ticks.js';
import { createWalk } from './random-walk.js';
import { progressLine, runFeed } from './run-feed.js';
import { checkReplayRows, replayTicks, walkTicks } from './tick-sources.js';

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

let apiKey = process.env.CPT_API_KEY?.trim() ?? '';
if (!apiKey) {
  try {
    apiKey = (await readFile(options.keyFile, 'utf8')).trim();
  } catch {
    console.error(`no API key: set CPT_API_KEY, or give --key-file (${options.keyFile} cannot be read; make up writes it)`);
    process.exit(2);
  }
}

let take: (n: number) => FeedTick[];
let what: string;
if (options.source.kind === 'replay') {
  try {
    const rows = parseTicksCsv(await readFile(options.source.file, 'utf8'));
    checkReplayRows(rows);
    take = replayTicks(rows);
    what = `replay of ${rows.length} ticks from ${options.source.file}`;
  } catch (err) {
    console.error(`cannot replay ${options.source.file}: ${err instanceof CsvError ? err.message : (err as Error).message}`);
    process.exit(1);
  }
} else {
  const { symbols, seed, startUnits } = options.source;
  take = walkTicks(createWalk({ symbols, seed, startUnits }));
  what = `random walk of ${symbols.join(',')} (seed ${seed})`;
}

const pace = options.rate === 0 ? 'as fast as accepted' : `${options.rate} ticks/s`;
const end = options.source.kind === 'replay' ? 'until the file ends or Ctrl-C' : 'until Ctrl-C';
const until = options.durationMs === undefined ? end : `for at most ${options.durationMs / 1000}s`;
console.log(`feed: ${what}, ${pace} in batches of ${options.batch}, to ${options.url}, ${until}`);

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
