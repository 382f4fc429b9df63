import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { UnavailableError } from '@cpt/domain';
import type { Logger } from '@cpt/platform';
import { type Admin, CompressionTypes, type Kafka, Partitioners, type Producer, type Transaction } from 'kafkajs';
import { withDeadline } from './kafka.js';
import { publishDuration } from './metrics.js';
import { planRequests } from './produce-requests.js';
import type { OutgoingMessage, Publisher, PublisherOptions } from './publisher.js';

export interface TransactionalPublisherOptions extends PublisherOptions {
  /**
   * The producer's transactional id. Unique among live producers (two live processes sharing one
   * would fence each other's transactions without end), and kept for the life of the process: a
   * producer started again after a failure takes the id over, which ends for good whatever its
   * predecessor left open. `processTransactionalId` makes one.
   */
  transactionalId: string;
  /** How long the coordinator lets a transaction stay open before it aborts it (default 2 × sendTimeoutMs, at least 10 s). */
  transactionTimeoutMs?: number;
}

/** A transactional id for this process of a service: its host, its pid and a random part. */
export const processTransactionalId = (service: string): string =>
  `${service}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

/** The publisher stopped before it could learn whether a transaction it had committed took effect. */
export class PublishOutcomeUnknownError extends Error {
  constructor(cause?: unknown) {
    super('the publisher stopped before Kafka confirmed or refused the commit', { cause });
    this.name = 'PublishOutcomeUnknownError';
  }
}

/**
 * Where a publish stands. `queued`: not in a transaction yet. `open`: in a transaction that has not
 * been committed. `committing`: its transaction was committed, or is being, and only the outcome
 * settles it. `done`: answered.
 */
type Stage = 'queued' | 'open' | 'committing' | 'done';

interface Pending {
  topic: string;
  messages: OutgoingMessage[];
  deadline: number;
  stage: Stage;
  txn: Txn | undefined;
  timer: NodeJS.Timeout | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Txn {
  requests: Pending[];
  /** A publish of it was answered `unavailable`: it is aborted, never committed. */
  doomed: boolean;
  /** The outcome marker: an offset committed with the transaction, so that a lost answer to the commit can be looked up. */
  markerTopic: string;
  marker: number;
}

type Outcome = 'committed' | 'aborted' | 'unknown';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoffMs = (failures: number) => Math.min(1000, 50 * 2 ** Math.min(failures, 5));

/**
 * A publisher for which `unavailable` means that nothing was published: every round of publishes
 * goes into one Kafka transaction (idempotent, acks from all in-sync replicas, one request in
 * flight), and consumers that read committed messages only (kafkajs's default) never see a
 * transaction that was aborted.
 *
 * Publishes that arrive while a transaction is in flight go together into the next one (a group
 * commit). A publish whose deadline passes before its transaction is committed is answered
 * `unavailable` at once, and its transaction is then aborted, never committed; the other publishes
 * of that transaction go back to the queue while their own deadlines allow. Once the commit is
 * sent, its publishes wait for the outcome whatever their deadlines: 202 only if it committed.
 * When the answer to a commit is lost (a broker restarted), a new producer takes the transactional
 * id over, which makes the coordinator finish that commit if it had received it and abort the
 * transaction otherwise, and the outcome is read back from a marker: each transaction also commits
 * an offset of a consumer group of the publisher's own (`<transactionalId>.outcome`), which is
 * visible afterwards only if the transaction committed.
 */
export function createTransactionalPublisher(kafka: Kafka, log: Logger, opts: TransactionalPublisherOptions): Publisher {
  const sendTimeoutMs = opts.sendTimeoutMs ?? 5000;
  const maxRequestBytes = opts.maxRequestBytes ?? 512 * 1024;
  const transactionTimeout = opts.transactionTimeoutMs ?? Math.max(10_000, 2 * sendTimeoutMs);
  const { transactionalId } = opts;
  const outcomeGroup = `${transactionalId}.outcome`;
  const latency = opts.metrics && publishDuration(opts.metrics);
  const tlog = log.child({ transactionalId });

  let producer: Producer | undefined;
  /** A transaction begun and still empty, ready for the next round. */
  let open: Transaction | undefined;
  let opening: Promise<Transaction> | undefined;
  let admin: Admin | undefined;
  /** The last outcome marker used, per marker topic. */
  const markers = new Map<string, number>();
  let queue: Pending[] = [];
  let pumping: Promise<void> | undefined;
  /** A transaction of the pump is under way (kafkajs allows one at a time per producer). */
  let busy = false;
  let closing = false;

  const newProducer = (): Producer =>
    kafka.producer({
      transactionalId,
      transactionTimeout,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // Short and bounded: right after a commit the coordinator answers CONCURRENT_TRANSACTIONS
      // until its markers are written (milliseconds), and a send that cannot succeed must fail
      // within the deadline; a failed round is retried by the pump, not by kafkajs.
      retry: { retries: 5, initialRetryTime: 20, maxRetryTime: 500 },
    });

  /** Drops the producer: a new one of the same id fences it and ends what it left open. */
  const discard = () => {
    const p = producer;
    producer = undefined;
    open = undefined;
    void p?.disconnect().catch(() => undefined);
  };

  /** A begun transaction; the first of a producer initialises the transactional id. */
  const ensureOpen = (): Promise<Transaction> => {
    if (open?.isActive()) return Promise.resolve(open);
    opening ??= (async () => {
      try {
        if (!producer) {
          const p = newProducer();
          producer = p;
          await p.connect();
        }
        open = await producer.transaction();
        return open;
      } catch (err) {
        discard();
        throw err;
      } finally {
        opening = undefined;
      }
    })();
    return opening;
  };

  /** The outcome marker last committed for `topic`, or -1. */
  const readMarker = async (topic: string): Promise<number> => {
    try {
      admin ??= kafka.admin({ retry: { retries: 2 } });
      await admin.connect();
      const [t] = await admin.fetchOffsets({ groupId: outcomeGroup, topics: [topic] });
      const offset = t?.partitions.find((p) => p.partition === 0)?.offset;
      return offset === undefined ? -1 : Number(offset);
    } catch (err) {
      const a = admin;
      admin = undefined;
      await a?.disconnect().catch(() => undefined);
      throw err;
    }
  };

  const settle = (p: Pending, err?: unknown) => {
    if (p.stage === 'done') return;
    p.stage = 'done';
    p.txn = undefined;
    clearTimeout(p.timer);
    if (err === undefined) p.resolve();
    else p.reject(err);
  };

  const timedOut = (p: Pending) => new Error(`publishing to ${p.topic} did not finish within ${sendTimeoutMs} ms`);

  /** A publish's deadline passed: answered now unless its commit is under way. */
  const expire = (p: Pending) => {
    if (p.stage === 'queued') {
      queue = queue.filter((q) => q !== p);
      settle(p, timedOut(p));
    } else if (p.stage === 'open') {
      // Its transaction will be aborted: nothing of it can be committed after this answer.
      (p.txn as Txn).doomed = true;
      settle(p, timedOut(p));
    }
  };

  /** Learns whether a transaction whose commit got no answer took effect. */
  const resolveOutcome = async (txn: Txn, err: unknown): Promise<Outcome> => {
    tlog.warn({ err }, 'no answer to a Kafka commit; finding out whether it took effect');
    // kafkajs leaves a producer whose commit failed unusable: a new one takes the id over. Its
    // initialisation returns only once the coordinator has completed our commit (if it received
    // it) or aborted the transaction (if not); the marker then tells which.
    discard();
    for (let attempt = 1; !closing; attempt++) {
      try {
        await ensureOpen();
        const stored = await readMarker(txn.markerTopic);
        markers.set(txn.markerTopic, Math.max(stored, markers.get(txn.markerTopic) ?? -1));
        const outcome = stored === txn.marker ? 'committed' : 'aborted';
        tlog.info({ outcome, attempt }, 'outcome of the Kafka commit found');
        return outcome;
      } catch (e) {
        tlog.warn({ err: e, attempt }, 'cannot find out the outcome of the Kafka commit yet; will try again');
        await sleep(backoffMs(attempt));
      }
    }
    return 'unknown';
  };

  /** Answers the publishes of an ended transaction, or queues again those whose deadline allows. */
  const finish = (txn: Txn, outcome: Outcome, failure?: unknown) => {
    const again: Pending[] = [];
    for (const p of txn.requests) {
      if (p.stage === 'done') continue;
      if (outcome === 'committed') settle(p);
      else if (outcome === 'unknown') settle(p, new PublishOutcomeUnknownError(failure));
      else if (!closing && Date.now() < p.deadline) {
        p.stage = 'queued';
        p.txn = undefined;
        again.push(p);
      } else settle(p, failure ?? timedOut(p));
    }
    queue = [...again, ...queue];
  };

  /** One transaction: sends, then commits unless a deadline passed, else aborts. True when it committed. */
  const run = async (tx: Transaction, txn: Txn): Promise<boolean> => {
    let failure: unknown;
    try {
      if (!markers.has(txn.markerTopic)) markers.set(txn.markerTopic, await readMarker(txn.markerTopic));
      txn.marker = (markers.get(txn.markerTopic) as number) + 1;
      markers.set(txn.markerTopic, txn.marker);
      // One request after the other: with one in flight, a key's messages keep their order.
      for (const request of planRequests(txn.requests, maxRequestBytes)) {
        if (txn.doomed) break;
        await tx.sendBatch({ acks: -1, timeout: sendTimeoutMs, compression: CompressionTypes.None, topicMessages: request.topicMessages });
      }
      if (!txn.doomed) {
        await tx.sendOffsets({
          consumerGroupId: outcomeGroup,
          topics: [{ topic: txn.markerTopic, partitions: [{ partition: 0, offset: String(txn.marker) }] }],
        });
      }
    } catch (err) {
      failure = err;
    }
    // The point of no return, decided without yielding: a deadline that has passed (its timer may
    // not have run yet) aborts; otherwise every publish waits for the commit's outcome.
    const now = Date.now();
    for (const p of txn.requests) if (p.stage === 'open' && now >= p.deadline) expire(p);
    if (failure === undefined && !txn.doomed) {
      for (const p of txn.requests) if (p.stage === 'open') p.stage = 'committing';
      let outcome: Outcome;
      try {
        await tx.commit();
        outcome = 'committed';
      } catch (err) {
        outcome = await resolveOutcome(txn, err);
        failure = err;
      }
      finish(txn, outcome, failure);
      return outcome === 'committed';
    }
    if (failure !== undefined) tlog.warn({ err: failure }, 'a Kafka transaction failed; aborting it');
    try {
      await tx.abort();
    } catch (err) {
      // The transaction stays open on the coordinator until the next producer of this id starts
      // (at once) or its timeout passes; it is never committed either way.
      tlog.warn({ err }, 'cannot abort the Kafka transaction; a new producer will end it');
      discard();
    }
    // After a failed send the producer's sequence numbers may be off: a new producer (a new
    // epoch) starts them afresh.
    if (failure !== undefined) discard();
    finish(txn, 'aborted', failure);
    return false;
  };

  const pump = async (): Promise<void> => {
    let failures = 0;
    while (queue.length > 0 && !closing) {
      let tx: Transaction;
      try {
        tx = await ensureOpen();
      } catch (err) {
        failures++;
        tlog.warn({ err, failures }, 'cannot begin a Kafka transaction; will try again');
        await sleep(backoffMs(failures));
        continue;
      }
      // Publishes whose deadline passed while the transaction began have been answered already.
      if (queue.length === 0) break;
      const requests = queue;
      queue = [];
      open = undefined;
      const txn: Txn = { requests, doomed: false, markerTopic: (requests[0] as Pending).topic, marker: -1 };
      for (const p of requests) {
        p.stage = 'open';
        p.txn = txn;
      }
      busy = true;
      let committed: boolean;
      try {
        committed = await run(tx, txn);
      } finally {
        busy = false;
      }
      if (committed) failures = 0;
      else if (!txn.doomed) await sleep(backoffMs(++failures));
    }
  };

  const kick = () => {
    pumping ??= pump().finally(() => {
      pumping = undefined;
      if (queue.length > 0 && !closing) kick();
    });
  };

  return {
    connect: async () => {
      if (!busy) await withDeadline(ensureOpen(), sendTimeoutMs, 'connecting to Kafka');
    },
    async publish(topic, messages) {
      if (messages.length === 0) return;
      if (closing) throw new UnavailableError('Kafka cannot take the messages: the publisher is closing');
      const timer = latency?.startTimer({ topic });
      try {
        await new Promise<void>((resolve, reject) => {
          const p: Pending = {
            topic,
            messages: [...messages],
            deadline: Date.now() + sendTimeoutMs,
            stage: 'queued',
            txn: undefined,
            timer: undefined,
            resolve,
            reject,
          };
          p.timer = setTimeout(() => expire(p), sendTimeoutMs);
          queue.push(p);
          kick();
        });
        timer?.({ outcome: 'acknowledged' });
      } catch (err) {
        timer?.({ outcome: 'failed' });
        if (err instanceof PublishOutcomeUnknownError) throw err;
        log.warn({ err, topic, count: messages.length }, 'Kafka did not acknowledge the messages');
        throw new UnavailableError('Kafka cannot take the messages', err);
      }
    },
    disconnect: async () => {
      closing = true;
      for (const p of queue) settle(p, new Error('the publisher is closing'));
      queue = [];
      await pumping;
      await opening?.catch(() => undefined);
      await open?.abort().catch(() => undefined);
      discard();
      await admin?.disconnect().catch(() => undefined);
      admin = undefined;
    },
  };
}
