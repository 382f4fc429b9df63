import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API, KafkaGate } from './kafka-gate.js';
import { type TicksTap, tapTicks, testKafka } from './kafka-tap.js';
import { type Ingest, postTicks, type Res, startIngest, tick, uniqueSymbol } from './support.js';

/**
 * Section 4: a 503 means nothing was published. A drill restarted the broker under price-ingest:
 * requests were answered 503 at their deadline, and their ticks were written to market.ticks all
 * the same (and marked), because the publisher took them in hand before it had a connection and
 * sent them once it had one. Here a gate between the publisher and the broker stalls, loses
 * requests and loses answers exactly where each case needs; a tap reads market.ticks as every
 * consumer does (committed messages only).
 */
const DEADLINE_MS = 1500;

let committed: TicksTap;
let everything: TicksTap;
beforeAll(async () => {
  [committed, everything] = await Promise.all([tapTicks(testKafka()), tapTicks(testKafka(), undefined, { readUncommitted: true })]);
});
afterAll(async () => {
  await Promise.all([committed?.stop(), everything?.stop()]);
});

describe('a 503 from POST /api/v1/ticks', () => {
  let gate: KafkaGate;
  let ingest: Ingest;
  const start = async (sendTimeoutMs = DEADLINE_MS) => {
    gate = await KafkaGate.start();
    ingest = await startIngest({ kafka: gate.kafka('price-ingest-gated'), sendTimeoutMs });
  };
  afterEach(async () => {
    gate.release();
    gate.rule = () => 'pass';
    await ingest?.close();
    await gate?.close();
  });

  /** Posts one tick of `symbol` priced `price`. */
  const post = (symbol: string, price: string): Promise<Res> => postTicks(ingest.app, tick(symbol, { price }));

  /**
   * Asserts that the tick priced `gone` never reaches a consumer: a later tick of the same symbol
   * (same partition, written after it if it were written at all) is read, and it is not.
   */
  const neverVisible = async (symbol: string, gone: string) => {
    const later = await post(symbol, '9.00000000');
    expect(later.statusCode, later.body).toBe(202);
    const seen = await committed.waitFor(symbol, 1);
    expect(committed.of(symbol).map((m) => m.value.price)).toEqual(['9.00000000']);
    expect(seen.map((m) => m.value.price)).not.toContain(gone);
  };

  it('when the broker does not answer before the deadline, even once it answers again', async () => {
    await start();
    // The broker takes connections and answers nothing, as while it restarts.
    gate.rule = () => 'hold';
    const symbol = uniqueSymbol('GATE');
    const started = Date.now();
    const refused = await post(symbol, '1.00000000');
    expect(refused.statusCode, refused.body).toBe(503);
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 1000);
    // Back: what was held reaches the broker now; the refused tick must not come with it.
    gate.rule = () => 'pass';
    gate.release();
    await neverVisible(symbol, '1.00000000');
  });

  it('when its ticks reached the broker after the deadline', async () => {
    await start();
    const warm = await post(uniqueSymbol('GATE'), '1.00000000');
    expect(warm.statusCode, warm.body).toBe(202);
    // The produce request is held past the deadline, then delivered and acknowledged.
    gate.rule = (apiKey) => (apiKey === API.produce ? 'hold' : 'pass');
    const symbol = uniqueSymbol('GATE');
    const refused = await post(symbol, '2.00000000');
    expect(refused.statusCode, refused.body).toBe(503);
    gate.rule = () => 'pass';
    gate.release();
    await neverVisible(symbol, '2.00000000');
    // It was written, in a transaction that was aborted: consumers reading committed messages skip it.
    await everything.waitFor(symbol, 2);
    expect(everything.of(symbol).map((m) => m.value.price)).toEqual(['2.00000000', '9.00000000']);
  });
});

describe('a commit whose answer is lost', () => {
  let gate: KafkaGate;
  let ingest: Ingest;
  beforeAll(async () => {
    gate = await KafkaGate.start();
    ingest = await startIngest({ kafka: gate.kafka('price-ingest-gated'), sendTimeoutMs: 8000 });
  });
  afterAll(async () => {
    await ingest?.close();
    await gate?.close();
  });

  /** Loses the next commit request in the way `verdict` says, once. */
  const loseNextCommit = (verdict: 'drop' | 'answerLost') => {
    let done = false;
    gate.rule = (apiKey) => {
      if (apiKey !== API.endTxn || done) return 'pass';
      done = true;
      return verdict;
    };
  };

  it('is answered 202 when the broker had received it, and the ticks are there once', async () => {
    const warm = await postTicks(ingest.app, tick(uniqueSymbol('GATE')));
    expect(warm.statusCode, warm.body).toBe(202);
    loseNextCommit('answerLost');
    const symbol = uniqueSymbol('GATE');
    const res = await postTicks(ingest.app, [tick(symbol, { price: '3.00000000' }), tick(symbol, { price: '4.00000000' })]);
    expect(res.statusCode, res.body).toBe(202);
    expect(gate.acted).toContainEqual({ apiKey: API.endTxn, verdict: 'answerLost' });
    // A later tick of the symbol (its partition) is read only after any copy written before it.
    expect((await postTicks(ingest.app, tick(symbol, { price: '99.00000000' }))).statusCode).toBe(202);
    await committed.waitFor(symbol, 3);
    expect(committed.of(symbol).map((m) => m.value.price)).toEqual(['3.00000000', '4.00000000', '99.00000000']);
  });

  it('is sent again in a new transaction when the broker never received it, and the ticks are there once', async () => {
    loseNextCommit('drop');
    const symbol = uniqueSymbol('GATE');
    const res = await postTicks(ingest.app, tick(symbol, { price: '5.00000000' }));
    expect(res.statusCode, res.body).toBe(202);
    expect(gate.acted).toContainEqual({ apiKey: API.endTxn, verdict: 'drop' });
    // A later tick of the symbol (its partition) is read only after any copy written before it.
    expect((await postTicks(ingest.app, tick(symbol, { price: '99.00000000' }))).statusCode).toBe(202);
    // Readers of committed messages see nothing of the partition past the transaction whose commit
    // was lost until it is aborted: by the producer that takes the id over, or at the latest by
    // the coordinator at its timeout (16 s here). Under load the wait outlasts that timeout.
    await committed.waitFor(symbol, 2, 45_000);
    expect(committed.of(symbol).map((m) => m.value.price)).toEqual(['5.00000000', '99.00000000']);
    // Written twice: once in the transaction that was never committed (aborted when the producer
    // started again), once in the one that was.
    await everything.waitFor(symbol, 3);
    expect(everything.of(symbol).map((m) => m.value.price)).toEqual(['5.00000000', '5.00000000', '99.00000000']);
  }, 90_000);
});
