import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TOPICS } from '@cpt/messaging';
import { repoRoot, testKafkaBrokers } from '@cpt/testkit';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDlq } from '../src/dlq/dlq-command.js';
import { type Produced, produce, type Tap, tapTopic, testKafka, testProducer } from './kafka.js';
import { testLog, uniqueSymbol } from './support.js';

/**
 * The dead-letter tool (`npm run dlq`) against the real broker: a dead letter written as the marks
 * consumer writes them is listed, shown in full, and replayed to market.ticks with its key, value
 * and x-request-id.
 */
describe('npm run dlq: list, show and replay market.ticks.dlq', () => {
  const kafka = testKafka('position-dlq-test');
  const symbol = uniqueSymbol('D');
  const requestId = `req-${randomUUID()}`;
  const value = JSON.stringify({
    v: 1,
    symbol,
    price: '1.2345x',
    ts: '2026-11-30T08:00:00.000Z',
    source: 'dlq-test',
    ingested_at: '2026-11-30T08:00:00.010Z',
  });
  const error = 'price: not a decimal of at most 8 fractional digits';
  let producer: Producer;
  let letter: Produced;
  let at: string;

  /** Runs one command in-process; its exit code and what it wrote. */
  const dlq = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDlq(argv, { kafka, log: testLog(), io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    producer = await testProducer(kafka);
    letter = await produce(producer, TOPICS.ticksDeadLetter, symbol, [
      {
        value,
        headers: {
          'x-request-id': requestId,
          error,
          'original-topic': TOPICS.ticks,
          'original-partition': '4',
          'original-offset': '1234',
        },
      },
    ]);
    at = `${letter.partition}:${letter.offset}`;
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  it('list shows it among the newest, with its error and value', async () => {
    // Other suites dead-letter messages into the shared topic too: a limit that takes them all.
    const r = await dlq('list', '--limit', '100000');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^market\.ticks\.dlq keeps \d+ dead letters:/);
    const line = r.out.split('\n').find((l) => l.startsWith(`${at} `));
    expect(line, r.out.slice(-2000)).toBeDefined();
    expect(line).toContain(symbol);
    expect(line).toContain(error);
    expect(line).toContain(`value: ${value.slice(0, 40)}`);
  });

  it('show prints its error, headers and value', async () => {
    const r = await dlq('show', at);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines).toContain(`message   market.ticks.dlq ${at}`);
    expect(lines).toContain(`key       ${symbol}`);
    expect(lines).toContain(`error     ${error}`);
    expect(lines).toContain(`  x-request-id: ${requestId}`);
    expect(lines).toContain('  original-offset: 1234');
    expect(lines.slice(-2)).toEqual([`value (${Buffer.byteLength(value)} bytes)`, value]);
  });

  it('show and replay refuse an offset the topic does not hold, and a wrong command line', async () => {
    const missing = await dlq('show', `${letter.partition}:999999999999`);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(
      new RegExp(`market\\.ticks\\.dlq partition ${letter.partition} holds offsets \\d+ to \\d+, not 999999999999`),
    );
    const usage = await dlq('replay');
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('usage: npm run dlq');
  });

  describe('replay', () => {
    let tap: Tap;
    beforeAll(async () => {
      tap = await tapTopic(kafka, TOPICS.ticks);
    });
    afterAll(async () => {
      await tap?.stop();
    });

    it('puts it back on market.ticks with its key, value and x-request-id, on the partition of its key', async () => {
      const r = await dlq('replay', at);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe(
        `replayed market.ticks.dlq ${at} to market.ticks: key ${symbol}, x-request-id ${requestId}, ${Buffer.byteLength(value)} bytes`,
      );
      const [seen] = await tap.waitFor(symbol, 1);
      expect(seen?.value).toBe(value);
      expect(seen?.headers).toEqual({ 'x-request-id': requestId, 'replayed-from': `market.ticks.dlq:${at}` });
      // Both topics have the partitions of the contract and the same partitioner: the key's partition.
      expect(seen?.partition).toBe(letter.partition);
    });
  });

  it('runs as a program: npm run dlq -- show <offset>', async () => {
    const cli = join(repoRoot(), 'services', 'position', 'src', 'dlq', 'dlq-cli.ts');
    const { stdout } = await promisify(execFile)('npx', ['tsx', '--conditions=source', cli, 'show', at], {
      cwd: repoRoot(),
      env: { ...process.env, KAFKA_BROKERS: testKafkaBrokers().join(',') },
      timeout: 60_000,
    });
    expect(stdout).toContain(`error     ${error}`);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(value);
  });
});
