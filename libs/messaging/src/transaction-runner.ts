import type { Logger } from '@cpt/platform';
import { type Admin, CompressionTypes, type Kafka, Partitioners, type Producer, type Transaction } from 'kafkajs';
import { planRequests } from './produce-requests.js';
import type { OutgoingMessage } from './publisher.js';

/**
 * Where a publish stands. `queued`: not in a transaction yet. `open`: in a transaction that has not
 * been committed. `committing`: its transaction was committed, or is being, and only the outcome
 * settles it. `done`: answered.
 */
export type Stage = 'queued' | 'open' | 'committing' | 'done';

/** One publish waiting for its answer. */
export interface Pending {
  topic: string;
  messages: OutgoingMessage[];
  deadline: number;
  stage: Stage;
  txn: Txn | undefined;
  timer: NodeJS.Timeout | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The publishes of one transaction. */
export interface Txn {
  requests: Pending[];
  /** A publish of it was answered `unavailable`: it is aborted, never committed. */
  doomed: boolean;
  /** The outcome marker: an offset committed with the transaction, so that a lost answer to the commit can be looked up. */
  markerTopic: string;
  marker: number;
}

export type Outcome = 'committed' | 'aborted' | 'unknown';

/** What a runner needs of the publisher it works for. */
export interface RunnerHost {
  /** Answers a publish whose deadline passed, unless its commit is under way. */
  expire(p: Pending): void;
  /** Answers the publishes of an ended transaction, or queues again those whose deadline allows. */
  finish(txn: Txn, outcome: Outcome, failure?: unknown): void;
  closing(): boolean;
}

export interface RunnerOptions {
  kafka: Kafka;
  log: Logger;
  transactionalId: string;
  transactionTimeoutMs: number;
  sendTimeoutMs: number;
  maxRequestBytes: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The pause after the n-th failure in a row: 50 ms doubling to 1 s. */
export const backoffMs = (failures: number): number => Math.min(1000, 50 * 2 ** Math.min(failures, 5));

/**
 * One transactional producer: one transaction at a time, begun, filled, then committed or aborted.
 * A runner whose producer failed starts a new one of the same transactional id, which fences the old
 * one and ends, for good, what it left open.
 */
export class TransactionRunner {
  private producer: Producer | undefined;
  /** A transaction begun and still empty, ready for the next round. */
  private open: Transaction | undefined;
  private opening: Promise<Transaction> | undefined;
  private admin: Admin | undefined;
  /** The last outcome marker used, per marker topic. */
  private readonly markers = new Map<string, number>();
  /** The group whose offsets carry the outcome markers. */
  private readonly outcomeGroup: string;
  /** A transaction of this runner is under way (kafkajs allows one at a time per producer). */
  busy = false;
  private readonly log: Logger;

  constructor(
    private readonly opts: RunnerOptions,
    private readonly host: RunnerHost,
  ) {
    this.outcomeGroup = `${opts.transactionalId}.outcome`;
    this.log = opts.log.child({ transactionalId: opts.transactionalId });
  }

  /**
   * A begun transaction; the first of a producer initialises the transactional id. A producer that
   * could not connect or initialise is kept, and tries again next time.
   */
  begin(): Promise<Transaction> {
    if (this.open?.isActive()) return Promise.resolve(this.open);
    this.opening ??= (async () => {
      try {
        if (!this.producer) {
          const p = this.newProducer();
          this.producer = p;
          await p.connect();
        }
        this.open = await this.producer.transaction();
        return this.open;
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  /** Takes the begun transaction for a round of publishes. */
  take(): void {
    this.open = undefined;
  }

  /** One transaction: sends, then commits unless a deadline passed, else aborts. True when it committed. */
  async run(tx: Transaction, txn: Txn): Promise<boolean> {
    let failure: unknown;
    try {
      if (!this.markers.has(txn.markerTopic)) this.markers.set(txn.markerTopic, await this.readMarker(txn.markerTopic));
      txn.marker = (this.markers.get(txn.markerTopic) as number) + 1;
      this.markers.set(txn.markerTopic, txn.marker);
      // One request after the other: with one in flight, a key's messages keep their order.
      for (const request of planRequests(txn.requests, this.opts.maxRequestBytes)) {
        if (txn.doomed) break;
        await tx.sendBatch({
          acks: -1,
          timeout: this.opts.sendTimeoutMs,
          compression: CompressionTypes.None,
          topicMessages: request.topicMessages,
        });
      }
      if (!txn.doomed) {
        await tx.sendOffsets({
          consumerGroupId: this.outcomeGroup,
          topics: [{ topic: txn.markerTopic, partitions: [{ partition: 0, offset: String(txn.marker) }] }],
        });
      }
    } catch (err) {
      failure = err;
    }
    // The point of no return, decided without yielding: a deadline that has passed (its timer may
    // not have run yet) aborts; otherwise every publish waits for the commit's outcome.
    const now = Date.now();
    for (const p of txn.requests) if (p.stage === 'open' && now >= p.deadline) this.host.expire(p);
    if (failure === undefined && !txn.doomed) {
      for (const p of txn.requests) if (p.stage === 'open') p.stage = 'committing';
      let outcome: Outcome;
      try {
        await tx.commit();
        outcome = 'committed';
      } catch (err) {
        outcome = await this.resolveOutcome(txn, err);
        failure = err;
      }
      this.host.finish(txn, outcome, failure);
      return outcome === 'committed';
    }
    if (failure !== undefined) this.log.warn({ err: failure }, 'a Kafka transaction failed; aborting it');
    try {
      await tx.abort();
    } catch (err) {
      // The transaction stays open on the coordinator until the next producer of this id starts
      // (at once) or its timeout passes; it is never committed either way.
      this.log.warn({ err }, 'cannot abort the Kafka transaction; a new producer will end it');
      this.discard();
    }
    // After a failed send the producer's sequence numbers may be off: a new producer (a new
    // epoch) starts them afresh.
    if (failure !== undefined) this.discard();
    this.host.finish(txn, 'aborted', failure);
    return false;
  }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    await this.open?.abort().catch(() => undefined);
    this.discard();
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  private newProducer(): Producer {
    return this.opts.kafka.producer({
      transactionalId: this.opts.transactionalId,
      transactionTimeout: this.opts.transactionTimeoutMs,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // Short and bounded: right after a commit the coordinator answers CONCURRENT_TRANSACTIONS
      // until its markers are written (milliseconds), and a send that cannot succeed must fail
      // within the deadline; a failed round is retried by the publisher, not by kafkajs.
      retry: { retries: 10, initialRetryTime: 1, maxRetryTime: 250 },
    });
  }

  /** Drops the producer: a new one of the same id fences it and ends what it left open. */
  private discard(): void {
    const p = this.producer;
    this.producer = undefined;
    this.open = undefined;
    void p?.disconnect().catch(() => undefined);
  }

  /** The outcome marker last committed for `topic`, or -1. */
  private async readMarker(topic: string): Promise<number> {
    try {
      this.admin ??= this.opts.kafka.admin({ retry: { retries: 2 } });
      await this.admin.connect();
      const [t] = await this.admin.fetchOffsets({ groupId: this.outcomeGroup, topics: [topic] });
      const offset = t?.partitions.find((p) => p.partition === 0)?.offset;
      return offset === undefined ? -1 : Number(offset);
    } catch (err) {
      const a = this.admin;
      this.admin = undefined;
      await a?.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /** Learns whether a transaction whose commit got no answer took effect. */
  private async resolveOutcome(txn: Txn, err: unknown): Promise<Outcome> {
    this.log.warn({ err }, 'no answer to a Kafka commit; finding out whether it took effect');
    // kafkajs leaves a producer whose commit failed unusable: a new one takes the id over. Its
    // initialisation returns only once the coordinator has completed our commit (if it received
    // it) or aborted the transaction (if not); the marker then tells which.
    this.discard();
    for (let attempt = 1; !this.host.closing(); attempt++) {
      try {
        await this.begin();
        const stored = await this.readMarker(txn.markerTopic);
        this.markers.set(txn.markerTopic, Math.max(stored, this.markers.get(txn.markerTopic) ?? -1));
        const outcome = stored === txn.marker ? 'committed' : 'aborted';
        this.log.info({ outcome, attempt }, 'outcome of the Kafka commit found');
        return outcome;
      } catch (e) {
        this.log.warn({ err: e, attempt }, 'cannot find out the outcome of the Kafka commit yet; will try again');
        await sleep(backoffMs(attempt));
      }
    }
    return 'unknown';
  }
}
