import { randomUUID } from 'node:crypto';
import type { Caller, JournalAction } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../../db/sql.js';
import { JOURNAL, type JournalRow } from './journal.mapper.js';

/** One entry to append. */
export interface NewJournalEntry {
  id: string;
  accountId: string;
  campaignId: string;
  at: Date;
  action: JournalAction;
  version: number;
  positionId: string | null;
  keyId: string | null;
  keyName: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

/** Appends the entry of a command a caller ran (the journal names its key). */
export function appendJournal(
  em: EntityManager,
  caller: Caller,
  e: Pick<NewJournalEntry, 'campaignId' | 'at' | 'action' | 'version' | 'positionId' | 'requestId' | 'details'>,
): Promise<void> {
  return insertJournalEntry(em, { id: randomUUID(), accountId: caller.accountId, keyId: caller.keyId, keyName: caller.keyName, ...e });
}

export async function insertJournalEntry(em: EntityManager, e: NewJournalEntry): Promise<void> {
  await query(
    em,
    `insert into journal_entries (id, account_id, campaign_id, at, action, version, position_id, key_id, key_name, request_id, details)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)`,
    [e.id, e.accountId, e.campaignId, e.at, e.action, e.version, e.positionId, e.keyId, e.keyName, e.requestId, JSON.stringify(e.details)],
  );
}

/** A campaign's entries, newest first (by version), one more than `limit` when more follow. */
export function selectJournalPage(
  em: EntityManager,
  accountId: string,
  campaignId: string,
  limit: number,
  beforeVersion?: number,
): Promise<JournalRow[]> {
  return query<JournalRow>(
    em,
    `select ${JOURNAL.columns('j')} from journal_entries j
     where j.account_id = ? and j.campaign_id = ? ${beforeVersion === undefined ? '' : 'and j.version < ?'}
     order by j.version desc limit ?`,
    beforeVersion === undefined ? [accountId, campaignId, limit + 1] : [accountId, campaignId, beforeVersion, limit + 1],
  );
}
