import type { CampaignStatus } from '@cpt/domain';
import { type EntityManager, LockMode } from '@mikro-orm/postgresql';
import { query } from '../../db/sql.js';
import { Campaign, type CampaignEntity } from './campaign.entity.js';
import { CAMPAIGN_COLUMNS, type CampaignRow } from './campaign.mapper.js';
import type { CampaignCursor } from './campaign-cursor.js';

/** One campaign's row, or undefined. */
export async function selectCampaign(em: EntityManager, id: string): Promise<CampaignRow | undefined> {
  const [row] = await query<CampaignRow>(em, `select ${CAMPAIGN_COLUMNS} from campaigns c where c.id = ?`, [id]);
  return row;
}

/**
 * The campaign, locked for the rest of the transaction. Every writer of a campaign's positions
 * takes this lock first (marks take it too, in id order), so changes and their seq never interleave.
 */
export function lockCampaign(em: EntityManager, id: string): Promise<CampaignEntity | null> {
  return em.findOne(Campaign, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** A page of campaign rows, newest first, one more than `limit` when more follow. */
export function selectCampaignPage(
  em: EntityManager,
  opts: { status?: CampaignStatus; limit: number; after?: CampaignCursor },
): Promise<CampaignRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
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
    `select ${CAMPAIGN_COLUMNS} from campaigns c ${where.length ? `where ${where.join(' and ')}` : ''}
     order by c.created_at desc, c.id desc limit ?`,
    params,
  );
}
