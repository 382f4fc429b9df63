import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { UnavailableError } from '@cpt/domain';
import type { Logger } from '@cpt/platform';
import type { Kafka } from 'kafkajs';
import { withDeadline } from './kafka.js';
import { publishDuration } from './metrics.js';
import type { Publisher, PublisherOptions } from './publisher.js';
import { backoffMs, type Outcome, type Pending, type RunnerHost, TransactionRunner, type Txn } from './transaction-runner.js';

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A publisher for which `unavailable` means that nothing was published: publishes go into Kafka
 * transactions (idempotent, acks from all in-sync replicas, one request in flight), and consumers
 * that read committed messages only (kafkajs's default) never see a transaction that was aborted.
 *
 * Publishes that arrive while a transaction is in flight go together into the next one (a group
 * commit), so a burst costs one transaction, not one per caller; the order of publishes is kept.
 * A publish whose deadline passes before its transaction is committed is answered `unavailable`
 * at once, and its transaction is then aborted, never committed; the other publishes of that
 * transaction go back to the queue while their own deadlines allow. Once the commit is sent, its
 * publishes wait for the outcome whatever their deadlines: resolved only if it committed. When the
 * answer to a commit is lost (a broker restarted), a new producer takes the transactional id over,
 * which makes the coordinator finish that commit if it had received it and abort the transaction
 * otherwise, and the outcome is read back from a marker: each transaction also commits an offset of
 * a consumer group of the publisher's own (`<transactionalId>.outcome`), visible afterwards only if
 * the transaction committed. (Transactions on several producers at once were tried: on this
 * project's benchmark they carried fewer publishes each and took longer in all.)
 */
export function createTransactionalPublisher(kafka: Kafka, log: Logger, opts: TransactionalPublisherOptions): Publisher {
  const sendTimeoutMs = opts.sendTimeoutMs ?? 5000;
  const latency = opts.metrics && publishDuration(opts.metrics);
  let queue: Pending[] = [];
  let closing = false;

  const settle = (p: Pending, err?: unknown) => {
    if (p.stage === 'done') return;
    p.stage = 'done';
    p.txn = undefined;
    clearTimeout(p.timer);
    if (err === undefined) p.resolve();
    else p.reject(err);
  };

  const timedOut = (p: Pending) => new Error(`publishing to ${p.topic} did not finish within ${sendTimeoutMs} ms`);

  const host: RunnerHost = {
    expire(p) {
      if (p.stage === 'queued') {
        queue = queue.filter((q) => q !== p);
        settle(p, timedOut(p));
      } else if (p.stage === 'open') {
        // Its transaction will be aborted: nothing of it can be committed after this answer.
        (p.txn as Txn).doomed = true;
        settle(p, timedOut(p));
      }
    },
    finish(txn: Txn, outcome: Outcome, failure?: unknown) {
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
    },
    closing: () => closing,
  };

  const runner = new TransactionRunner(
    {
      kafka,
      log,
      transactionalId: opts.transactionalId,
      transactionTimeoutMs: opts.transactionTimeoutMs ?? Math.max(10_000, 2 * sendTimeoutMs),
      sendTimeoutMs,
      maxRequestBytes: opts.maxRequestBytes ?? 512 * 1024,
    },
    host,
  );
  let pumping: Promise<void> | undefined;

  /** Runs transactions while publishes wait. */
  const pump = async (): Promise<void> => {
    let failures = 0;
    while (queue.length > 0 && !closing) {
      let tx: Awaited<ReturnType<TransactionRunner['begin']>>;
      try {
        tx = await runner.begin();
      } catch (err) {
        failures++;
        log.warn({ err, failures }, 'cannot begin a Kafka transaction; will try again');
        await sleep(backoffMs(failures));
        continue;
      }
      // Publishes whose deadline passed while the transaction began were answered already.
      if (queue.length === 0) break;
      const requests = queue;
      queue = [];
      runner.take();
      const txn: Txn = { requests, doomed: false, markerTopic: (requests[0] as Pending).topic, marker: -1 };
      for (const p of requests) {
        p.stage = 'open';
        p.txn = txn;
      }
      runner.busy = true;
      let committed: boolean;
      try {
        committed = await runner.run(tx, txn);
      } finally {
        runner.busy = false;
      }
      if (committed) failures = 0;
      else if (!txn.doomed) await sleep(backoffMs(++failures));
    }
  };

  const kick = () => {
    if (pumping || queue.length === 0 || closing) return;
    pumping = pump().finally(() => {
      pumping = undefined;
      kick();
    });
  };

  return {
    connect: async () => {
      if (!runner.busy) await withDeadline(runner.begin(), sendTimeoutMs, 'connecting to Kafka');
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
          p.timer = setTimeout(() => host.expire(p), sendTimeoutMs);
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
      await runner.close();
    },
  };
}
