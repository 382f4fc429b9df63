/**
 * What a send costs the broker: the broker's CPU per send, for one small message a send (a tick),
 * `--sends` times at most 100 a second (a send every 10 ms, as the latency stage posts), three ways:
 * - `idempotent`: an idempotent send, acks from all in-sync replicas (as the position service
 *   publishes its events);
 * - `transaction`: the same send in a Kafka transaction (begin, send, commit);
 * - `transaction + marker`: a transaction that also commits an offset of a group of its own, as
 *   price-ingest's do (the outcome marker that tells a lost commit's outcome: `transaction-runner.ts`).
 * The modes alternate for `--rounds` rounds, on the local broker (`make up`'s infrastructure,
 * `.run/kafka`; another with KAFKA_BROKERS and `--data-dir`, such as the benchmark's own), whose
 * CPU is read from /proc; a topic of its own (`bench.kafka-costs`) takes the messages. A broker just
 * started compiles its code as it runs: the first rounds cost more.
 *
 *   npm run bench:kafka-costs -- [--sends 1000] [--rounds 3] [--data-dir .run/kafka]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Producer } from 'kafkajs';
import { repoRoot } from '../libs/testkit/src/infra.js';
import { localInfra, percentiles, progress } from './lib/bench-env.js';
import { benchKafkaClient } from './lib/bench-kafka.js';
import { cpuTicks } from './lib/cpu.js';

const { values } = parseArgs({
  options: {
    sends: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'data-dir': { type: 'string', default: '.run/kafka' },
  },
});
const sends = Number(values.sends);
const rounds = Number(values.rounds);
if (!Number.isInteger(sends) || sends < 10 || !Number.isInteger(rounds) || rounds < 1)
  throw new Error('--sends ≥ 10 and --rounds ≥ 1 are integers');

const TOPIC = 'bench.kafka-costs';
const MODES = ['idempotent', 'transaction', 'transaction + marker'] as const;
type Mode = (typeof MODES)[number];

const brokerPid = Number(readFileSync(join(resolve(repoRoot(), values['data-dir']), 'kafka.pid'), 'utf8').trim());
const kafka = benchKafkaClient(localInfra().kafkaBrokers, 'bench-kafka-costs');
const admin = kafka.admin();
await admin.connect();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
if (!(await admin.listTopics()).includes(TOPIC))
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 6 }], waitForLeaders: true });
const group = `bench-kafka-costs-${process.pid}.outcome`;
// A broker just started creates its group coordinators (__consumer_offsets) on first use.
for (let deadline = Date.now() + 60_000; ; ) {
  try {
    await admin.fetchOffsets({ groupId: group, topics: [TOPIC] });
    break;
  } catch (err) {
    if (Date.now() > deadline) throw err;
    await sleep(500);
  }
}

async function round(mode: Mode): Promise<{ ms: number[]; cpuMsPerSend: number; perSecond: number }> {
  // The retries of price-ingest's transactional producers (`transaction-runner.ts`): right after a
  // commit, the coordinator answers CONCURRENT_TRANSACTIONS for a few milliseconds.
  const retry = { retries: 10, initialRetryTime: 1, maxRetryTime: 250 };
  const producer: Producer =
    mode === 'idempotent'
      ? kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry })
      : kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          retry,
          transactionalId: `bench-kafka-costs-${process.pid}-${MODES.indexOf(mode)}`,
        });
  await producer.connect();
  const ms: number[] = [];
  try {
    let i = 0;
    const send = async () => {
      const symbol = `S${i++ % 50}`;
      const messages = [{ key: symbol, value: JSON.stringify({ v: 1, symbol, price: '1.25750000', ts: new Date().toISOString() }) }];
      const t0 = performance.now();
      if (mode === 'idempotent') await producer.send({ topic: TOPIC, acks: -1, messages });
      else {
        const tx = await producer.transaction();
        await tx.send({ topic: TOPIC, acks: -1, messages });
        if (mode === 'transaction + marker')
          await tx.sendOffsets({ consumerGroupId: group, topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: String(i) }] }] });
        await tx.commit();
      }
      ms.push(performance.now() - t0);
    };
    for (let k = 0; k < 50; k++) await send();
    ms.length = 0;
    const cpu0 = cpuTicks(brokerPid);
    const start = performance.now();
    for (let k = 0; k < sends; k++) {
      const due = start + k * 10;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await send();
    }
    const seconds = (performance.now() - start) / 1000;
    return { ms, cpuMsPerSend: ((cpuTicks(brokerPid) - cpu0) * 10) / sends, perSecond: sends / seconds };
  } finally {
    await producer.disconnect();
  }
}

try {
  for (let r = 1; r <= rounds; r++) {
    for (const mode of MODES) {
      const { ms, cpuMsPerSend, perSecond } = await round(mode);
      const p = percentiles(ms, [50, 99]);
      progress(
        `round ${r}, ${mode}: ${perSecond.toFixed(0)} sends/s; broker CPU ${cpuMsPerSend.toFixed(2)} ms a send ` +
          `(${((cpuMsPerSend * perSecond) / 10).toFixed(0)}% of a core); send p50 ${p.p50?.toFixed(2)} ms, p99 ${p.p99?.toFixed(2)} ms`,
      );
    }
  }
} finally {
  await admin.deleteGroups([group]).catch(() => undefined);
  await admin.disconnect();
}
