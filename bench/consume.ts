/**
 * Consume and mark: the same ticks, written to `market.ticks` beforehand, read three ways.
 * - The position service from their first offset: messages/s through its consumer and position
 *   marks/s committed (each batch: newest tick per symbol, locks, UPDATE, totals, outbox), from
 *   the start of its first batch to the end of its last (its `marks committed` log lines), and
 *   the rows it wrote per batch in each table (PostgreSQL's statistics).
 * - A kafkajs consumer doing nothing with them, with the service's fetch settings: messages/s.
 * - A raw set-based UPDATE through `pg` of the same batches (the service's batches, replayed from
 *   its log lines), same predicate and numeric work, no locks, no totals, no events: marks/s.
 * Before the service and before the raw UPDATE, every mark is reset and the table vacuumed, so
 * that both find the same rows in the same state.
 */
import { performance } from 'node:perf_hooks';
import { TOPICS } from '@cpt/messaging';
import { type Message, Partitioners } from 'kafkajs';
import pg from 'pg';
import { progress } from './lib/bench-env.js';
import { endOffsets, setGroupOffsets } from './lib/bench-kafka.js';
import {
  type BenchContext,
  committedBatches,
  cpuSampler,
  loggedAt,
  markedOffsets,
  outboxBacklog,
  positionService,
  sleep,
} from './lib/context.js';
import { type FeedTick, pastClock, tickMessage, tickStream } from './lib/ticks.js';

const RAW_UPDATE = `
  update positions p set current_price = t.price,
    current_pnl = round_half_even(case when c.side = 'LONG' then (t.price - p.entry_price) * p.shares else (p.entry_price - t.price) * p.shares end, 8),
    marked_at = t.ts, updated_at = now()
  from json_to_recordset($1::json) as t(symbol text, price numeric, ts timestamptz), campaigns c
  where p.symbol = t.symbol and p.status = 'OPEN' and p.entry_date <= t.ts
    and (p.marked_at is null or p.marked_at < t.ts) and c.id = p.campaign_id`;

interface BatchLine {
  /** The offsets the transaction marked: one batch of a partition, or several merged. */
  ranges: { partition: number; first: bigint; last: bigint }[];
  ticks: number;
  marked: number;
  campaigns: number;
  /** Stops the batch breached (section 8), and positions for which it read its ticks one by one. */
  breached: number;
  perTick: number;
  startMs: number;
  endMs: number;
}

async function resetMarks(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `update positions set current_price = entry_price, current_pnl = 0, marked_at = null,
         max_favorable_price = entry_price, max_adverse_price = entry_price, stop_breached_at = null, stop_breach_price = null
       where status = 'OPEN'`,
    );
    await client.query('truncate symbol_marks');
    await client.query('vacuum analyze positions');
    await client.query('vacuum analyze campaigns');
  } finally {
    await client.end();
  }
}

/** Rows inserted, updated or deleted so far in each table of the database (PostgreSQL's statistics). */
async function rowsWritten(databaseUrl: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ relname: string; n: string }>(
      'select relname, (n_tup_ins + n_tup_upd + n_tup_del)::text as n from pg_stat_user_tables',
    );
    return Object.fromEntries(rows.map((r) => [r.relname, Number(r.n)]));
  } finally {
    await client.end();
  }
}

export async function consumeStage(ctx: BenchContext): Promise<void> {
  const { opts, kafka, admin } = ctx;
  const total = opts.consumeTicks;

  // The ticks: the walk, stamped in the past a second apart per symbol, each on its symbol's partition.
  const next = tickStream(opts.symbols, opts.seed + 1, pastClock(3_600_000, 1000));
  const ticks: FeedTick[] = [];
  while (ticks.length < total) ticks.push(...next(Math.min(opts.symbols, total - ticks.length)));
  const [meta] = (await admin.fetchTopicMetadata({ topics: [TOPICS.ticks] })).topics;
  const partitionMetadata = meta?.partitions ?? [];
  const partitionOf = Partitioners.DefaultPartitioner();
  const now = new Date().toISOString();
  const byPartition = new Map<number, FeedTick[]>();
  const messages: Message[] = ticks.map((t, i) => {
    const m = tickMessage(t, `bench-consume-${Math.floor(i / 1000)}`, now);
    const partition = partitionOf({ topic: TOPICS.ticks, partitionMetadata, message: m });
    const list = byPartition.get(partition) ?? [];
    list.push(t);
    byPartition.set(partition, list);
    return { ...m, partition };
  });
  const start = await endOffsets(admin, TOPICS.ticks);
  progress(`consume: writing ${total} ticks to ${TOPICS.ticks}`);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < messages.length; i += 5000) {
    await producer.send({ topic: TOPICS.ticks, acks: -1, messages: messages.slice(i, i + 5000) });
  }
  await producer.disconnect();
  const end = await endOffsets(admin, TOPICS.ticks);
  for (const [p, e] of end) {
    if (e - (start.get(p) ?? 0n) !== BigInt(byPartition.get(p)?.length ?? 0)) throw new Error(`partition ${p} holds ticks of someone else`);
  }

  // 1. A kafkajs consumer doing nothing.
  progress('consume: a kafkajs consumer doing nothing');
  const idleGroup = `${ctx.positionGroup}-idle`;
  await setGroupOffsets(admin, idleGroup, TOPICS.ticks, start);
  const idle = kafka.consumer({ groupId: idleGroup, sessionTimeout: 10_000, maxBytesPerPartition: 1_048_576, maxWaitTimeInMs: 100 });
  await idle.connect();
  await idle.subscribe({ topics: [TOPICS.ticks] });
  const cpu = cpuSampler(ctx);
  cpu.begin();
  let seen = 0;
  let firstAt = 0;
  let lastAt = 0;
  const allSeen = new Promise<void>((resolve) => {
    void idle.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        if (firstAt === 0) firstAt = performance.now();
        seen += batch.messages.length;
        lastAt = performance.now();
        if (seen >= total) resolve();
      },
    });
  });
  await Promise.race([allSeen, sleep(300_000).then(() => Promise.reject(new Error('the idle consumer did not finish')))]);
  const idleCpu = cpu.end();
  await idle.disconnect();
  const idleRate = total / ((lastAt - firstAt) / 1000);
  progress(`consume: kafkajs doing nothing read ${Math.round(idleRate)} messages/s`);

  // 2. The position service.
  await resetMarks(ctx.databaseUrl);
  const writesBefore = await rowsWritten(ctx.databaseUrl);
  progress('consume: the position service marks them');
  const position = await positionService(ctx, start);
  const serviceCpu = cpuSampler(ctx);
  serviceCpu.begin();
  let lastProgress = performance.now();
  const deadline = performance.now() + 600_000;
  for (;;) {
    const done = markedOffsets(position);
    const left = [...end].reduce((a, [p, e]) => a + Number(e - (done.get(p) ?? start.get(p) ?? 0n)), 0);
    if (left <= 0) break;
    if (performance.now() > deadline) throw new Error(`the position service did not mark the ticks (${left} left)`);
    if (performance.now() - lastProgress > 2000) {
      progress(`consume: ${left} ticks left`);
      lastProgress = performance.now();
    }
    await sleep(100);
  }
  const markCpu = serviceCpu.end();
  const lines: BatchLine[] = position.logs
    .filter((l) => l.msg === 'marks committed')
    .map((l) => {
      const endMs = loggedAt(l);
      return {
        ranges: committedBatches(l).map((b) => ({ partition: b.partition, first: BigInt(b.firstOffset), last: BigInt(b.lastOffset) })),
        ticks: l.ticks as number,
        marked: l.marked as number,
        campaigns: l.campaigns as number,
        breached: (l.breached as number | undefined) ?? 0,
        perTick: (l.perTick as number | undefined) ?? 0,
        startMs: endMs - (l.ms as number),
        endMs,
      };
    })
    .filter((b) => b.ranges.every((r) => r.first >= (start.get(r.partition) ?? 0n) && r.last < (end.get(r.partition) ?? 0n)));
  const seconds = (Math.max(...lines.map((b) => b.endMs)) - Math.min(...lines.map((b) => b.startMs))) / 1000;
  const marked = lines.reduce((a, b) => a + b.marked, 0);
  const events = lines.reduce((a, b) => a + b.campaigns, 0);
  // Section 8: how many batches breached a stop, and how many read their ticks one by one for any position.
  const breachBatches = lines.filter((b) => b.breached > 0).length;
  const perTickBatches = lines.filter((b) => b.perTick > 0).length;
  const breached = lines.reduce((a, b) => a + b.breached, 0);
  const serviceMessages = total / seconds;
  const serviceMarks = marked / seconds;
  progress(`consume: the service read ${Math.round(serviceMessages)} messages/s and committed ${Math.round(serviceMarks)} marks/s`);
  const drainStart = performance.now();
  while ((await outboxBacklog(ctx)) > 0 && performance.now() - drainStart < 300_000) await sleep(100);
  const drainSeconds = (performance.now() - drainStart) / 1000;
  // Rows the service wrote, per table (inserted, updated or deleted): the statistics of its
  // connections reach the counters within a second of their last transaction.
  await sleep(1500);
  const writesAfter = await rowsWritten(ctx.databaseUrl);
  const written = Object.fromEntries(
    Object.entries(writesAfter).map(([t, n]) => [t, (n - (writesBefore[t] ?? 0)) / Math.max(1, lines.length)]),
  ) as Record<string, number>;
  const writtenTotal = Object.values(written).reduce((a, b) => a + b, 0);
  const writtenText = Object.entries(written)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([t, n]) => `${t} ${Math.round(n)}`)
    .join(', ');
  progress(`consume: rows written per batch: ${Math.round(writtenTotal)} (${writtenText})`);

  // 3. The raw UPDATE of the same batches.
  await resetMarks(ctx.databaseUrl);
  progress(`consume: a raw UPDATE of the same ${lines.length} batches through pg`);
  const client = new pg.Client({ connectionString: ctx.databaseUrl });
  await client.connect();
  let rawMarked = 0;
  cpu.begin();
  const t0 = performance.now();
  try {
    for (const b of lines) {
      const batch = b.ranges.flatMap((r) => {
        const from = Number(r.first - (start.get(r.partition) ?? 0n));
        return (byPartition.get(r.partition) ?? []).slice(from, from + Number(r.last - r.first) + 1);
      });
      const newest = new Map<string, FeedTick>();
      for (const t of batch) newest.set(t.symbol, t);
      const json = JSON.stringify([...newest.values()].map((t) => ({ symbol: t.symbol, price: t.price, ts: t.ts })));
      rawMarked += (await client.query(RAW_UPDATE, [json])).rowCount ?? 0;
    }
  } finally {
    await client.end();
  }
  const rawSeconds = (performance.now() - t0) / 1000;
  const rawCpu = cpu.end();
  const rawMarks = rawMarked / rawSeconds;
  progress(`consume: raw UPDATE ${Math.round(rawMarks)} marks/s (${rawMarked} marks; the service ${marked})`);

  ctx.figures.push(
    {
      stage: 'consume and mark',
      name: 'position marks committed',
      value: serviceMarks,
      unit: 'marks/s',
      baseline: { name: 'raw set-based UPDATE of the same batches (pg)', value: rawMarks },
      target: { text: '≥ 1× the raw UPDATE', met: serviceMarks >= rawMarks },
      note: `${lines.length} batches of ${Math.round(total / lines.length)} ticks; ${breached} stops breached in ${breachBatches}; ${perTickBatches} read ticks one by one; rows written per batch ${Math.round(writtenTotal)} (${writtenText}), the raw UPDATE ${Math.round(rawMarked / Math.max(1, lines.length))}`,
      cpu: markCpu,
    },
    {
      stage: 'consume and mark',
      name: 'messages through the consumer',
      value: serviceMessages,
      unit: 'messages/s',
      baseline: { name: 'kafkajs consumer doing nothing', value: idleRate },
    },
  );
  ctx.details.consume = {
    ticks: total,
    batches: lines.length,
    service: {
      seconds,
      messagesPerSecond: serviceMessages,
      marks: marked,
      marksPerSecond: serviceMarks,
      events,
      cpu: markCpu,
      rowsWrittenPerBatch: written,
    },
    outbox: { drainSecondsAfterLastBatch: drainSeconds },
    idleConsumer: { messagesPerSecond: idleRate, cpu: idleCpu },
    rawUpdate: {
      seconds: rawSeconds,
      marks: rawMarked,
      marksPerSecond: rawMarks,
      cpu: rawCpu,
      rowsWrittenPerBatch: rawMarked / Math.max(1, lines.length),
    },
    stops: { breached, batchesThatBreached: breachBatches, batchesReadingTicks: perTickBatches },
  };
}
