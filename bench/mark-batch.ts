/**
 * One batch of marks, alone: `markTicks` (the position service's transaction, without Kafka) on a
 * batch of one tick for each of `--campaigns` symbols, each symbol the campaign of
 * `--positions` OPEN positions, repeated `--rounds` times at rising instants and alternating
 * prices, so that every round moves every mark. Prints the time of a batch and of a position entry
 * for each size, in a database of its own on the local PostgreSQL (`make up`'s infrastructure).
 *
 *   npm run bench:mark-batch -- [--campaigns 200] [--positions 10,100] [--rounds 30] [--ticks 1] [--book 100000]
 *
 * `--ticks n` gives each symbol n ticks a batch (the newest marks; all count for excursions), as a
 * batch that conflates a busy feed holds them. `--book n` keeps up to n positions' campaigns
 * between batches, as the position service does (`MARKS_CACHED_POSITIONS`, default the same);
 * `--book 0` reads every campaign in every batch. With `node --expose-gc`, the heap printed is after a collection.
 *
 * With `node --cpu-prof` (see bench/README), the profile shows where a position's time goes.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { markTicks, OpenBook, openOrm, type TickText } from '@cpt/application';
import { benchKey, freshDatabase, localInfra, percentiles, progress } from './lib/bench-env.js';
import { seed } from './lib/scenario.js';

const { values } = parseArgs({
  options: {
    campaigns: { type: 'string', default: '200' },
    positions: { type: 'string', default: '10,100' },
    rounds: { type: 'string', default: '30' },
    ticks: { type: 'string', default: '1' },
    book: { type: 'string', default: '100000' },
    database: { type: 'string', default: 'campaigns_bench_mark_batch' },
  },
});
const count = (text: string, name: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} is a positive integer, not ${text}`);
  return n;
};
const campaigns = count(values.campaigns, 'campaigns');
const sizes = values.positions.split(',').map((s) => count(s, 'positions'));
const rounds = count(values.rounds, 'rounds');
const ticksPerSymbol = count(values.ticks, 'ticks');
const bookPositions = values.book === '0' ? 0 : count(values.book, 'book');
// A round's ticks lie within its second, a millisecond apart, ending at its half.
if (ticksPerSymbol > 500) throw new Error(`--ticks is at most 500, not ${ticksPerSymbol}`);

/** The heap in use, after a collection when `node --expose-gc` allows one. */
const heapMiB = (): string => {
  (globalThis as { gc?: () => void }).gc?.();
  return (process.memoryUsage().heapUsed / 2 ** 20).toFixed(0);
};

const databaseUrl = await freshDatabase(localInfra().adminUrl, values.database);
const orm = await openOrm({ url: databaseUrl, poolMax: 2 });
try {
  const key = await benchKey(orm);
  for (const [i, positions] of sizes.entries()) {
    const prefix = `MB${String.fromCharCode(65 + i)}`;
    const seeded = await seed(orm, { symbols: campaigns, campaigns, positionsPerCampaign: positions, prefix }, key.accountId);
    await orm.em.fork().execute('vacuum analyze positions', [], 'run');
    const symbols = [...seeded.values()];
    const times: number[] = [];
    const book = bookPositions > 0 ? new OpenBook(bookPositions) : undefined;
    let entries = 0;
    for (let r = 0; r < rounds; r++) {
      // Prices alternate around the entry (100), within the stops (5% away): marks move, no stop is
      // breached. With --ticks n, each symbol gets n ticks a batch, a millisecond apart, interleaved
      // as a feed sends them, the newest at the round's price.
      const price = r % 2 === 0 ? '101.25000000' : '99.12500000';
      const other = r % 2 === 0 ? '100.50000000' : '99.75000000';
      const batch: TickText[] = [];
      for (let k = ticksPerSymbol - 1; k >= 0; k--) {
        const ts = new Date(Date.UTC(2026, 2, 1) + r * 1000 + 500 - k).toISOString();
        for (const symbol of symbols) batch.push({ symbol, price: k === 0 ? price : k % 2 === 0 ? other : price, ts, requestId: null });
      }
      const t0 = performance.now();
      const result = await markTicks(orm.em, batch, book ? { book } : {});
      times.push(performance.now() - t0);
      if (r > 0) entries += result.marked;
    }
    // The first round warms the statements and the JIT; it is left out.
    const measured = times.slice(1);
    progress(`batches (ms): ${times.map((t) => t.toFixed(0)).join(', ')}`);
    const p = percentiles(measured, [50, 90]);
    const total = measured.reduce((a, b) => a + b, 0);
    progress(
      `${positions} positions a campaign, ${campaigns} campaigns: a batch p50 ${p.p50?.toFixed(1)} ms, p90 ${p.p90?.toFixed(1)} ms; ` +
        `${((total * 1000) / Math.max(1, entries)).toFixed(1)} µs a position entry (${entries} entries in ${measured.length} batches` +
        `${ticksPerSymbol > 1 ? `, ${ticksPerSymbol * campaigns} ticks a batch` : ''}` +
        `${book ? `, the book holding ${book.size} positions` : ', no book'}; heap ${heapMiB()} MiB after the batches)`,
    );
  }
} finally {
  await orm.close(true);
}
