import { OUTBOX_CHANNEL, type PendingEvent, publishPendingEvents } from '@cpt/application';
import { eventHeaders } from '@cpt/contracts';
import { type OutgoingMessage, type Publisher, TOPICS } from '@cpt/messaging';
import { type Logger, REQUEST_ID_HEADER } from '@cpt/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';

export interface OutboxRelayOptions {
  em: EntityManager;
  publisher: Publisher;
  log: Logger;
  /** For the LISTEN connection that wakes the relay when a transaction records events. */
  databaseUrl: string;
  pollMs: number;
  batchSize: number;
  /**
   * A round of the poll (no notification woke it) leaves the outbox alone while its oldest event is
   * younger than this (default 2,000 ms): the process that committed those is publishing them
   * itself. Past it, the relay publishes everything, whoever committed it.
   */
  committerGraceMs?: number;
  /** Called with the number of events each round published (the metrics' counter). */
  onPublished?: (events: number) => void;
}

export interface OutboxRelay {
  start(): void;
  /** Publishes what is pending, then stops. */
  stop(): Promise<void>;
}

/**
 * Publishes outbox rows to `campaign.events`, keyed by campaign id, with their request id and, as
 * headers, their campaign id and seq (`eventHeaders`: the gateway forwards the value unparsed).
 */
export const publishEvents =
  (publisher: Publisher) =>
  (rows: readonly PendingEvent[]): Promise<void> =>
    publisher.publish(
      TOPICS.campaignEvents,
      rows.map(
        (r): OutgoingMessage => ({
          key: r.campaign_id,
          value: r.payload,
          headers: { ...eventHeaders(r.campaign_id, r.seq), ...(r.request_id ? { [REQUEST_ID_HEADER]: r.request_id } : {}) },
        }),
      ),
    );

/**
 * Publishes the outbox to `campaign.events` in id order (which is each campaign's seq order),
 * keyed by campaign id, then deletes what Kafka acknowledged (`publishPendingEvents`). A crash
 * between the two republishes the same events, which subscribers recognise by their seq.
 *
 * A notification (a command's commit) wakes it to publish everything pending. A batch of marks
 * publishes its own events right after its commit (`createDirectPublisher`) and does not notify:
 * the relay's poll leaves those to it unless they have been waiting for `committerGraceMs`, as after
 * a crash between the commit and the publish. Without its LISTEN connection every poll publishes.
 */
export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  // Set by a notification that arrives while a round runs: its events may have committed after
  // the round read the outbox, so the next round starts at once instead of after the poll interval
  // (unless another relay holds the lock: that one publishes them).
  let notified = false;
  let listener: pg.Client | undefined;

  const publish = publishEvents(opts.publisher);
  const graceMs = opts.committerGraceMs ?? 2000;

  /**
   * Publishes one batch (`all`: whatever is pending; otherwise only once the oldest event has waited
   * for the grace); resolves to the events published, or -1 when another relay holds the lock.
   */
  const round = async (all: boolean): Promise<number> => {
    const started = performance.now();
    const r = await publishPendingEvents(opts.em, publish, opts.batchSize, all ? undefined : graceMs);
    if (!r) return -1;
    if (r.published.length > 0) {
      opts.onPublished?.(r.published.length);
      const requestIds = [...new Set(r.published.map((e) => e.request_id).filter((id): id is string => id !== null))];
      opts.log.debug(
        { events: r.published.length, requestIds: requestIds.slice(0, 20), ms: Math.round(performance.now() - started) },
        'events published',
      );
    }
    return r.published.length;
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  const listen = async () => {
    while (running) {
      const client = new pg.Client({ connectionString: opts.databaseUrl, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        client.on('notification', () => {
          notified = true;
          wake?.();
        });
        await client.query(`listen ${OUTBOX_CHANNEL}`);
        listener = client;
        await new Promise<void>((resolve) => {
          client.once('error', () => resolve());
          client.once('end', () => resolve());
        });
      } catch (err) {
        opts.log.warn({ err }, 'outbox listener cannot connect; polling meanwhile');
      } finally {
        listener = undefined;
        await client.end().catch(() => undefined);
      }
      if (running) await new Promise((r) => setTimeout(r, 1000));
    }
  };

  const run = async () => {
    let failures = 0;
    // The first round publishes whatever waits: nobody else is publishing it.
    let all = true;
    while (running) {
      try {
        notified = false;
        const n = await round(all);
        failures = 0;
        all = true;
        if (n === opts.batchSize || (notified && n >= 0)) continue;
      } catch (err) {
        failures++;
        opts.log.warn({ err, failures }, 'outbox round failed; will retry');
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** Math.min(failures, 6))));
        continue;
      }
      // stop() during the round found no sleep to wake: it must not wait out a poll interval.
      if (!running) break;
      await sleep(opts.pollMs);
      all = notified || listener === undefined;
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      void listen();
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      await listener?.end().catch(() => undefined);
      // One last round so that nothing committed before the stop waits for the next start.
      await round(true).catch((err: unknown) => opts.log.warn({ err }, 'final outbox round failed'));
    },
  };
}
