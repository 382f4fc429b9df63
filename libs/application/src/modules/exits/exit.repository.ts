import type { ExitJson } from '@cpt/contracts';
import { type Dec, dec, type ExitFigures, fmt8 } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { asDateOrNull, pgArray, query, statement } from '../../db/sql.js';
import { EXIT, type ExitRow } from './exit.mapper.js';

const COLUMNS = EXIT.columns('e');
const EXITS_OF = statement(
  `select ${COLUMNS} from exits e where e.position_id = any(?::uuid[]) and (e.account_id = ? or ?::uuid is null)
   order by e.position_id, e.date, e.id`,
);

/**
 * The exits of the named positions, each position's in the contract's order (by date, then id).
 * A caller's read passes its account; the marks, which serve no caller, pass null.
 */
export async function selectExits(
  em: EntityManager,
  accountId: string | null,
  positionIds: readonly string[],
): Promise<Map<string, ExitJson[]>> {
  const out = new Map<string, ExitJson[]>();
  if (positionIds.length === 0) return out;
  const rows = await query<ExitRow>(em, EXITS_OF, [pgArray(positionIds), accountId, accountId]);
  for (const r of rows) {
    const list = out.get(r.position_id);
    const json = EXIT.toJson(r);
    if (list) list.push(json);
    else out.set(r.position_id, [json]);
  }
  return out;
}

/** What the exit rules need of a position's earlier exits: `sum(price × shares)` exactly, and the latest date. */
export async function exitHistory(em: EntityManager, accountId: string, positionId: string) {
  const [row] = await query<{ notional: string; last_date: Date | string | null }>(
    em,
    'select coalesce(sum(price * shares), 0)::text as notional, max(date) as last_date from exits where position_id = ? and account_id = ?',
    [positionId, accountId],
  );
  return { exitedNotional: dec(row?.notional ?? '0'), lastExitDate: asDateOrNull(row?.last_date ?? null) };
}

/**
 * {@link exitHistory} of several positions at once, for the marks, which serve no caller: those
 * without exits are left out.
 */
export async function exitHistories(
  em: EntityManager,
  positionIds: readonly string[],
): Promise<Map<string, { exitedNotional: Dec; lastExitDate: Date | null }>> {
  const out = new Map<string, { exitedNotional: Dec; lastExitDate: Date | null }>();
  if (positionIds.length === 0) return out;
  const rows = await query<{ position_id: string; notional: string; last_date: Date | string | null }>(
    em,
    `select position_id, sum(price * shares)::text as notional, max(date) as last_date from exits
     where position_id = any(?::uuid[]) group by position_id`,
    [pgArray(positionIds)],
  );
  for (const r of rows) out.set(r.position_id, { exitedNotional: dec(r.notional), lastExitDate: asDateOrNull(r.last_date) });
  return out;
}

/** Records one exit; returns it as the contract shows it. */
export async function insertExit(
  em: EntityManager,
  e: { id: string; accountId: string; campaignId: string; positionId: string; figures: ExitFigures; now: Date },
): Promise<ExitJson> {
  const [row] = await query<ExitRow>(
    em,
    `insert into exits as e (id, account_id, campaign_id, position_id, shares, price, date, fee, realized_pnl, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
    [
      e.id,
      e.accountId,
      e.campaignId,
      e.positionId,
      fmt8(e.figures.shares),
      fmt8(e.figures.price),
      e.figures.date,
      fmt8(e.figures.fee),
      fmt8(e.figures.realizedPnl),
      e.now,
    ],
  );
  return EXIT.toJson(row as ExitRow);
}
