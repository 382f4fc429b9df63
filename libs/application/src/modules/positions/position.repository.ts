import { NotFoundError } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../../db/sql.js';
import { Position, type PositionEntity } from './position.entity.js';
import { POSITION, type PositionRow } from './position.mapper.js';

const COLUMNS = POSITION.columns('p');

/** A campaign's positions by entry date, then id; only the OPEN ones unless `includeClosed`. */
export function selectCampaignPositions(em: EntityManager, campaignId: string, includeClosed: boolean): Promise<PositionRow[]> {
  const filter = includeClosed ? '' : ` and p.status = 'OPEN'`;
  return query<PositionRow>(em, `select ${COLUMNS} from positions p where p.campaign_id = ?${filter} order by p.entry_date, p.id`, [
    campaignId,
  ]);
}

/** One position's row, as the contract shows it. */
export async function selectPosition(em: EntityManager, id: string): Promise<PositionRow | undefined> {
  const [row] = await query<PositionRow>(em, `select ${COLUMNS} from positions p where p.id = ?`, [id]);
  return row;
}

/** The campaign a position belongs to; `not_found` when there is no such position. */
export async function campaignIdOf(em: EntityManager, positionId: string): Promise<string> {
  const [row] = await query<{ campaign_id: string }>(em, 'select campaign_id from positions where id = ?', [positionId]);
  if (!row) throw new NotFoundError('position', positionId);
  return row.campaign_id;
}

/** The position as an entity, re-read once its campaign is locked so it reflects every earlier commit. */
export async function loadPosition(em: EntityManager, positionId: string): Promise<PositionEntity> {
  const p = await em.findOne(Position, { id: positionId }, { refresh: true });
  if (!p) throw new NotFoundError('position', positionId);
  return p;
}

/** How many OPEN positions a campaign has. */
export function countOpenPositions(em: EntityManager, campaignId: string): Promise<number> {
  return em.count(Position, { campaign: campaignId, status: 'OPEN' });
}
