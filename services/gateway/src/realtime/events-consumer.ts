import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { commitGroupOffsets, TOPICS } from '@cpt/messaging';
import type { Logger } from '@cpt/platform';
import type { Consumer, Kafka } from 'kafkajs';
import type { EventsHub } from './events-hub.js';

/** Where the events come from and where they go. */
export interface EventsConsumerOptions {
  kafka: Kafka;
  log: Logger;
  hub: EventsHub;
  /** The group id is `<prefix>-<hostname>-<pid>-<random>`: one group per gateway process. */
  groupPrefix: string;
  /** How long to wait before starting again after the consumer failed for good (default 2 s). */
  restartDelayMs?: number;
}

/** The gateway's consumer of `campaign.events`. */
export interface EventsConsumer {
  readonly groupId: string;
  /** Connects and starts consuming; a failure is logged and retried until `stop()`. */
  start(): Promise<void>;
  /**
   * True once the consumer has fixed where it reads from (the end of the topic when it first
   * started), joined its group and fetched: from then on every new event reaches the hub.
   */
  ready(): boolean;
  stop(): Promise<void>;
}

/** A consumer group that belongs to this process alone, so that it receives every event. */
export const eventsGroupId = (prefix: string): string => `${prefix}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * Feeds `campaign.events` into the hub. Each gateway process has a group of its own (so every
 * gateway sees every event) and starts at the end of the topic: what happened before is in the
 * database, and a subscriber starts from a snapshot. Offsets are committed only so that kafkajs,
 * when it restarts the consumer after an error, resumes where it was instead of skipping events.
 *
 * The starting point is committed as the group's offsets before it first joins, not left to
 * kafkajs (which resolves "latest" at each partition's first fetch, after the join): an event
 * published after `start()` positioned the group is read whatever happens next, and a snapshot
 * read once `ready()` is true is consistent with the stream (what it lacks comes after it).
 */
export function createEventsConsumer(opts: EventsConsumerOptions): EventsConsumer {
  const groupId = eventsGroupId(opts.groupPrefix);
  const log = opts.log.child({ component: 'events-consumer', groupId });
  let consumer: Consumer | undefined;
  let stopped = false;
  let positioned = false;
  let joined = false;
  let fetched = false;
  let retry: NodeJS.Timeout | undefined;

  /** Commits the group's offsets at the topic's current end, once, before its first join. */
  const position = async (): Promise<void> => {
    const admin = opts.kafka.admin();
    await admin.connect();
    let partitions: { partition: number; offset: string }[];
    try {
      const ends = await admin.fetchTopicOffsets(TOPICS.campaignEvents);
      partitions = ends.map((e) => ({ partition: e.partition, offset: e.high }));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await commitGroupOffsets(opts.kafka, groupId, TOPICS.campaignEvents, partitions);
    positioned = true;
    log.info({ offsets: Object.fromEntries(partitions.map((p) => [p.partition, p.offset])) }, 'reading campaign events from here');
  };

  const connect = async (): Promise<void> => {
    if (!positioned) await position();
    const c = opts.kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 2500,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 4_194_304,
    });
    consumer = c;
    c.on(c.events.GROUP_JOIN, () => {
      joined = true;
      fetched = false;
      log.info('joined the campaign events group');
    });
    // The starting offsets are resolved inside the first fetch after a join: only from then on is
    // every new event certain to arrive.
    c.on(c.events.FETCH, () => {
      if (joined) fetched = true;
    });
    c.on(c.events.STOP, () => {
      joined = false;
    });
    c.on(c.events.CRASH, (e) => {
      joined = false;
      log.error({ err: e.payload.error, restart: e.payload.restart }, 'events consumer crashed');
      if (!e.payload.restart) scheduleRestart();
    });
    await c.connect();
    await c.subscribe({ topics: [TOPICS.campaignEvents], fromBeginning: false });
    await c.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      // Each message is handled in memory at once, so a batch is never left half done.
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) opts.hub.ingest(m.value, { partition: batch.partition, offset: m.offset }, m.headers);
      },
    });
  };

  const scheduleRestart = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void (async () => {
        await consumer?.disconnect().catch(() => undefined);
        await start();
      })();
    }, opts.restartDelayMs ?? 2000);
  };

  const start = async (): Promise<void> => {
    if (stopped) return;
    try {
      await connect();
    } catch (err) {
      log.error({ err }, 'events consumer cannot start; retrying');
      scheduleRestart();
    }
  };

  return {
    groupId,
    start,
    ready: () => positioned && joined && fetched,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      joined = false;
      await consumer?.disconnect().catch((err: unknown) => log.warn({ err }, 'events consumer did not disconnect cleanly'));
    },
  };
}
