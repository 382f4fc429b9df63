import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query, statement } from '../../db/sql.js';

/** The PostgreSQL notification channel that announces new outbox rows. */
export const OUTBOX_CHANNEL = 'campaign_events';

// Five bind parameters a row, well under PostgreSQL's 65,535 a statement.
const EVENTS_PER_INSERT = 1000;
// And about this many characters of payload a statement: PostgreSQL takes a statement's parameters
// in one message, and 1,000 payloads of 40 KB (a batch of marks at 100,000 open positions) took
// 387–494 ms in one statement, 221–288 ms in statements of 100 (bench/README).
const PAYLOAD_CHARS_PER_INSERT = 4 * 1024 * 1024;

/** The events in runs of at most EVENTS_PER_INSERT, each ending once it holds PAYLOAD_CHARS_PER_INSERT. */
export function insertChunks<T extends { payload: string }>(events: readonly T[], maxChars = PAYLOAD_CHARS_PER_INSERT): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let chars = 0;
  for (const e of events) {
    chunk.push(e);
    chars += e.payload.length;
    if (chunk.length === EVENTS_PER_INSERT || chars >= maxChars) {
      chunks.push(chunk);
      chunk = [];
      chars = 0;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

// Any constant shared by every relay: only the holder of this lock publishes, so events leave in id order.
const RELAY_LOCK = 942_001;

/** An event row as it is stored: the payload is the JSON text that goes on the wire. */
export interface StoredEvent {
  campaignId: string;
  seq: number;
  payload: string;
  requestId: string | null;
}

/** An outbox row waiting to be published. */
export interface PendingEvent {
  id: string;
  campaign_id: string;
  /** The event's seq, as decimal text (the column is a bigint). */
  seq: string;
  payload: string;
  request_id: string | null;
}

/**
 * Who publishes the events of a transaction right after its commit (contract section 6: the event
 * is published even when the process dies right after the commit, so each is in the outbox too).
 */
export interface DirectPublishing {
  /**
   * Whether the process may publish, right after the commit, an event whose campaign has these
   * older events still in the outbox: only when it publishes every one of them itself, before it
   * (a campaign's events reach Kafka in seq order). The others are left to the relay.
   */
  mayPublish(olderPendingIds: readonly string[]): boolean;
}

/**
 * Inserts events into the outbox. One bind parameter per payload, stored as the text it is: no
 * outer JSON document to parse and take apart again, no check of JSON its committer encoded (a
 * batch of marks records up to tens of MB), in statements of at most 1,000 events and about 4 MiB.
 * Without `direct`, the relay is woken when the transaction commits (a notification is delivered on
 * commit) and publishes them all. With it, the events it accepts are returned, for their committer
 * to publish right after the commit, and the relay is woken only for the others.
 */
export async function insertEvents(
  em: EntityManager,
  events: readonly StoredEvent[],
  now: Date,
  direct?: DirectPublishing,
): Promise<PendingEvent[]> {
  if (events.length === 0) return [];
  const mine: PendingEvent[] = [];
  let notify = direct === undefined;
  for (const chunk of insertChunks(events)) {
    const sql = `insert into campaign_events (campaign_id, seq, payload, request_id, created_at)
       values ${chunk.map(() => '(?::uuid, ?::bigint, ?, ?, ?)').join(', ')}`;
    const params = chunk.flatMap((e) => [e.campaignId, e.seq, e.payload, e.requestId, now]);
    if (!direct) {
      await query(em, sql, params);
      continue;
    }
    // The subquery sees the outbox as it was before this statement: the campaign's older events.
    const rows = await query<{ id: string; older: string[] }>(
      em,
      `${sql} returning id::text as id,
         array(select o.id::text from campaign_events o where o.campaign_id = campaign_events.campaign_id) as older`,
      params,
    );
    rows.forEach((r, j) => {
      const e = chunk[j] as StoredEvent;
      if (direct.mayPublish(r.older))
        mine.push({ id: r.id, campaign_id: e.campaignId, seq: String(e.seq), payload: e.payload, request_id: e.requestId });
      else notify = true;
    });
  }
  if (notify) await query(em, `select pg_notify('${OUTBOX_CHANNEL}', '')`);
  return mine;
}

const RELAY_LOCK_SQL = statement('select pg_try_advisory_xact_lock(?) as locked');

/** Takes the relay's lock for the transaction; false when another relay holds it. */
export async function tryRelayLock(em: EntityManager): Promise<boolean> {
  const [lock] = await query<{ locked: boolean }>(em, RELAY_LOCK_SQL, [RELAY_LOCK]);
  return lock?.locked === true;
}

// `order by id` would sort by the output column id::text ('10' before '9'): the table's id it is.
const pending = (where: string) =>
  statement(`select id::text, campaign_id, seq::text as seq, payload::text as payload, request_id from campaign_events ${where}
   order by campaign_events.id limit ?`);
const SELECT_PENDING = pending('');
const SELECT_PENDING_AGED = pending(
  "where exists (select 1 from campaign_events w where w.created_at <= now() - ? * interval '1 millisecond')",
);

/**
 * The oldest pending events, in id order (each campaign's seq order). With `olderThanMs`, none
 * unless the oldest of them was recorded at least that long ago: events that their committer is
 * publishing right now are left to it, unless something has been waiting that long.
 */
export function selectPending(em: EntityManager, limit: number, olderThanMs?: number): Promise<PendingEvent[]> {
  return olderThanMs === undefined
    ? query<PendingEvent>(em, SELECT_PENDING, [limit])
    : query<PendingEvent>(em, SELECT_PENDING_AGED, [olderThanMs, limit]);
}

const DELETE_EVENTS = statement('delete from campaign_events where id = any(?::bigint[])');

/** Deletes published events. */
export async function deleteEvents(em: EntityManager, ids: readonly string[]): Promise<void> {
  await query(em, DELETE_EVENTS, [pgArray(ids)]);
}

/** What waits in the outbox: its rows (counted up to `countLimit`), and the age of the oldest one (0 when empty). */
export interface OutboxBacklog {
  rows: number;
  oldestAgeSeconds: number;
}

/** Reads the outbox backlog: a bounded count, and the oldest row found through the primary key. */
export async function outboxBacklog(em: EntityManager, countLimit = 100_000): Promise<OutboxBacklog> {
  const [r] = await query<{ rows: number; oldest_age_seconds: number }>(
    em,
    `select (select count(*) from (select 1 from campaign_events limit ?) b)::int as rows,
            coalesce(extract(epoch from clock_timestamp() - (select created_at from campaign_events order by id limit 1)), 0)::float8
              as oldest_age_seconds`,
    [countLimit],
  );
  return { rows: r?.rows ?? 0, oldestAgeSeconds: Math.max(0, r?.oldest_age_seconds ?? 0) };
}
