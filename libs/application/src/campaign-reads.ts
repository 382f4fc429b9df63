import type { CampaignJson, CampaignListJson, CampaignPositionsJson, CampaignWithTotalsJson } from '@cpt/contracts';
import { type CampaignStatus, type CampaignTotals, NotFoundError, totalsToJson, ValidationError } from '@cpt/domain';
import { type EntityManager, IsolationLevel } from '@mikro-orm/postgresql';
import { CAMPAIGN_COLUMNS, type CampaignRow, POSITION_COLUMNS, type PositionRow, positionJson } from './rows.js';
import { asDate, query } from './sql.js';
import { loadTotals } from './totals.js';

/** The contract's Campaign from a row. */
export function campaignJson(r: CampaignRow): CampaignJson {
  return {
    id: r.id,
    name: r.name,
    symbol: r.symbol,
    timeframe: r.timeframe,
    side: r.side,
    status: r.status,
    version: r.version,
    created_at: asDate(r.created_at).toISOString(),
    updated_at: asDate(r.updated_at).toISOString(),
  };
}

const withTotals = (c: CampaignRow, t: CampaignTotals): CampaignWithTotalsJson => ({ ...campaignJson(c), ...totalsToJson(t) });

/** A campaign's positions and totals, with the event sequence number they are consistent with. */
export interface CampaignPositionsView {
  data: CampaignPositionsJson;
  /** The `seq` of the last event recorded for the campaign when this view was read. */
  seq: number;
}

/** Read-side queries. Each call runs in its own read-only, repeatable-read transaction. */
export class CampaignReads {
  constructor(private readonly em: EntityManager) {}

  private snapshot<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.em.fork().transactional(work, { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });
  }

  /** One campaign with all its totals. */
  async getCampaign(id: string): Promise<CampaignWithTotalsJson> {
    return this.snapshot(async (em) => {
      const [c] = await query<CampaignRow>(em, `select ${CAMPAIGN_COLUMNS} from campaigns c where c.id = ?`, [id]);
      if (!c) throw new NotFoundError('campaign', id);
      const totals = await loadTotals(em, [id]);
      return withTotals(c, totals.get(id) as CampaignTotals);
    });
  }

  /**
   * The positions of a campaign ordered by entry date then id, and the totals of the whole
   * campaign whatever `includeClosed` leaves out of the list.
   */
  async getCampaignPositions(id: string, opts: { includeClosed: boolean }): Promise<CampaignPositionsView> {
    return this.snapshot(async (em) => {
      const [c] = await query<CampaignRow>(em, `select ${CAMPAIGN_COLUMNS} from campaigns c where c.id = ?`, [id]);
      if (!c) throw new NotFoundError('campaign', id);
      const filter = opts.includeClosed ? '' : ` and p.status = 'OPEN'`;
      const rows = await query<PositionRow>(
        em,
        `select ${POSITION_COLUMNS} from positions p where p.campaign_id = ?${filter} order by p.entry_date, p.id`,
        [id],
      );
      const totals = await loadTotals(em, [id]);
      return {
        seq: Number(c.last_seq),
        data: {
          campaign_id: c.id,
          version: c.version,
          positions: rows.map(positionJson),
          ...totalsToJson(totals.get(id) as CampaignTotals),
        },
      };
    });
  }

  /** A page of campaigns, newest first, with their totals. */
  async listCampaigns(opts: { status?: CampaignStatus; limit: number; cursor?: string }): Promise<CampaignListJson> {
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    return this.snapshot(async (em) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (opts.status) {
        where.push('c.status = ?');
        params.push(opts.status);
      }
      if (after) {
        where.push('(c.created_at, c.id) < (?::timestamptz, ?::uuid)');
        params.push(after.createdAt, after.id);
      }
      params.push(opts.limit + 1);
      const rows = await query<CampaignRow>(
        em,
        `select ${CAMPAIGN_COLUMNS} from campaigns c ${where.length ? `where ${where.join(' and ')}` : ''}
         order by c.created_at desc, c.id desc limit ?`,
        params,
      );
      const page = rows.slice(0, opts.limit);
      const totals = await loadTotals(
        em,
        page.map((r) => r.id),
      );
      const last = page.at(-1);
      return {
        items: page.map((r) => withTotals(r, totals.get(r.id) as CampaignTotals)),
        next_cursor: rows.length > opts.limit && last ? encodeCursor(asDate(last.created_at), last.id) : null,
      };
    });
  }
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      !Number.isNaN(Date.parse(v[0])) &&
      typeof v[1] === 'string' &&
      /^[0-9a-f-]{36}$/.test(v[1])
    ) {
      return { createdAt: v[0], id: v[1] };
    }
  } catch {
    // fall through
  }
  throw new ValidationError([{ path: 'cursor', message: 'is not a cursor this service issued' }]);
}
