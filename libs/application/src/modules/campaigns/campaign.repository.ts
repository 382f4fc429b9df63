import type { CampaignStatus } from '@cpt/domain';
import { type EntityManager, LockMode } from '@mikro-orm/postgresql';
import { pgArray, query, statement } from '../../db/sql.js';
import type { PageCursor } from '../paging/page-cursor.js';
import { Campaign, type CampaignEntity } from './campaign.entity.js';
import { CAMPAIGN_COLUMNS, type CampaignRow } from './campaign.mapper.js';

const CAMPAIGN = statement(`select ${CAMPAIGN_COLUMNS} from campaigns c where c.id = ? and c.account_id = ?`);
const CAMPAIGN_STAMP = statement('select c.last_seq::text as seq, c.version from campaigns c where c.id = ? and c.account_id = ?');

/** One campaign of the account, or undefined (another account's campaign is not there). */
export async function selectCampaign(em: EntityManager, accountId: string, id: string): Promise<CampaignRow | undefined> {
  const [row] = await query<CampaignRow>(em, CAMPAIGN, [id, accountId]);
  return row;
}

/** Where a campaign of the account stands: its `last_seq` and version; undefined when the account has no such campaign. */
export async function selectCampaignStamp(em: EntityManager, accountId: string, id: string): Promise<CampaignStamp | undefined> {
  const [row] = await query<{ seq: string; version: number }>(em, CAMPAIGN_STAMP, [id, accountId]);
  return row && { seq: Number(row.seq), version: row.version };
}

/**
 * A campaign's `last_seq` and version. Every change of a campaign or of its positions and exits
 * (a command, a batch of marks) bumps `last_seq` in its transaction, under the campaign's lock:
 * two reads with the same stamp saw the same campaign.
 */
export interface CampaignStamp {
  seq: number;
  version: number;
}

/**
 * The campaign, locked for the rest of the transaction. Every writer of a campaign's positions
 * takes this lock first (marks take it too, in id order), so changes and their seq never interleave.
 */
export function lockCampaign(em: EntityManager, accountId: string, id: string): Promise<CampaignEntity | null> {
  return em.findOne(Campaign, { id, account: accountId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** A page of the account's campaign rows, newest first, one more than `limit` when more follow. */
export function selectCampaignPage(
  em: EntityManager,
  accountId: string,
  opts: { status?: CampaignStatus; limit: number; after?: PageCursor },
): Promise<CampaignRow[]> {
  const where: string[] = ['c.account_id = ?'];
  const params: unknown[] = [accountId];
  if (opts.status) {
    where.push('c.status = ?');
    params.push(opts.status);
  }
  if (opts.after) {
    where.push('(c.created_at, c.id) < (?::timestamptz, ?::uuid)');
    params.push(opts.after.createdAt, opts.after.id);
  }
  params.push(opts.limit + 1);
  return query<CampaignRow>(
    em,
    `select ${CAMPAIGN_COLUMNS} from campaigns c where ${where.join(' and ')}
     order by c.created_at desc, c.id desc limit ?`,
    params,
  );
}

/** Of the named campaigns, those of the account. */
export async function selectOwnedCampaignIds(em: EntityManager, accountId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await query<{ id: string }>(em, 'select c.id from campaigns c where c.account_id = ? and c.id = any(?::uuid[])', [
    accountId,
    pgArray(ids),
  ]);
  return new Set(rows.map((r) => r.id));
}
