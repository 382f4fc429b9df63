import type { PositionJson } from '@cpt/contracts';
import { excursionR, NotFoundError } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query, statement } from '../../db/sql.js';
import { selectExits } from '../exits/exit.repository.js';
import { settleMark } from '../marks/symbol-marks.repository.js';
import { Position, type PositionEntity } from './position.entity.js';
import { POSITION, type PositionRow, positionsFrom, rMultipleOf } from './position.mapper.js';

const COLUMNS = POSITION.columns('p');
const FROM = positionsFrom('p');
const positionsOfCampaign = (filter: string) =>
  statement(`select ${COLUMNS} from ${FROM} where p.campaign_id = ? and p.account_id = ?${filter} order by p.entry_date, p.id`);
const ALL_POSITIONS_OF_CAMPAIGN = positionsOfCampaign('');
const OPEN_POSITIONS_OF_CAMPAIGN = positionsOfCampaign(` and p.status = 'OPEN'`);
const POSITIONS_BY_ID = statement(`select ${COLUMNS} from ${FROM} where p.id = any(?::uuid[])`);

/** A campaign's positions by entry date, then id; only the OPEN ones unless `includeClosed`. */
export function selectCampaignPositions(
  em: EntityManager,
  accountId: string,
  campaignId: string,
  includeClosed: boolean,
): Promise<PositionRow[]> {
  return query<PositionRow>(em, includeClosed ? ALL_POSITIONS_OF_CAMPAIGN : OPEN_POSITIONS_OF_CAMPAIGN, [campaignId, accountId]);
}

/**
 * Positions as the contract shows them, each with its exits. Only a position with a realized P&L
 * has exits, so a read of positions that never exited sends no second statement. `accountId`
 * scopes the exits as the rows were scoped; the marks, which serve no caller, pass null.
 */
export async function positionsJson(em: EntityManager, accountId: string | null, rows: readonly PositionRow[]): Promise<PositionJson[]> {
  const exited = rows.filter((r) => r.realized_pnl !== null).map((r) => r.id);
  const exits = await selectExits(em, accountId, exited);
  return rows.map((r) => {
    // Completed in place: a copy of a position costs more than its R figures.
    const p = POSITION.toJson(r) as PositionJson;
    p.r_multiple = rMultipleOf(r);
    p.mfe_r = excursionR(r.entry_price, r.initial_stop, r.max_favorable_price);
    p.mae_r = excursionR(r.entry_price, r.initial_stop, r.max_adverse_price);
    p.exits = exits.get(r.id) ?? [];
    return p;
  });
}

/** The named positions' rows, whatever their account: for the marks, which serve no caller. */
export function selectPositionRows(em: EntityManager, ids: readonly string[]): Promise<PositionRow[]> {
  return query<PositionRow>(em, POSITIONS_BY_ID, [pgArray(ids)]);
}

/** One position of the account, as the contract shows it. */
export async function selectPosition(em: EntityManager, accountId: string, id: string): Promise<PositionJson | undefined> {
  const rows = await query<PositionRow>(em, `select ${COLUMNS} from ${FROM} where p.id = ? and p.account_id = ?`, [id, accountId]);
  const [json] = await positionsJson(em, accountId, rows);
  return json;
}

/** The campaign a position of the account belongs to; `not_found` when the account has no such position. */
export async function campaignIdOf(em: EntityManager, accountId: string, positionId: string): Promise<string> {
  const [row] = await query<{ campaign_id: string }>(em, 'select campaign_id from positions where id = ? and account_id = ?', [
    positionId,
    accountId,
  ]);
  if (!row) throw new NotFoundError('position', positionId);
  return row.campaign_id;
}

/**
 * The position as an entity, re-read once its campaign is locked so it reflects every earlier
 * commit, its row holding the mark it carries (section 6: reads derive it from its symbol's).
 */
export async function loadPosition(em: EntityManager, accountId: string, positionId: string): Promise<PositionEntity> {
  await settleMark(em, accountId, positionId);
  const p = await em.findOne(Position, { id: positionId, account: accountId }, { refresh: true });
  if (!p) throw new NotFoundError('position', positionId);
  return p;
}

/** How many OPEN positions a campaign of the account has. */
export function countOpenPositions(em: EntityManager, accountId: string, campaignId: string): Promise<number> {
  return em.count(Position, { campaign: campaignId, account: accountId, status: 'OPEN' });
}
