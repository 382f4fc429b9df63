import type { CampaignListJson, CampaignPositionsJson, CampaignWithTotalsJson } from '@cpt/contracts';
import { type CampaignStatus, type CampaignTotals, NotFoundError, totalsToJson } from '@cpt/domain';
import { type EntityManager, IsolationLevel } from '@mikro-orm/postgresql';
import { asDate } from '../../db/sql.js';
import { positionJson } from '../positions/position.mapper.js';
import { selectCampaignPositions } from '../positions/position.repository.js';
import { loadTotals } from '../totals/totals.repository.js';
import { type CampaignRow, campaignJson } from './campaign.mapper.js';
import { selectCampaign, selectCampaignPage } from './campaign.repository.js';
import { decodeCursor, encodeCursor } from './campaign-cursor.js';

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
      const c = await selectCampaign(em, id);
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
      const c = await selectCampaign(em, id);
      if (!c) throw new NotFoundError('campaign', id);
      const rows = await selectCampaignPositions(em, id, opts.includeClosed);
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
      const rows = await selectCampaignPage(em, {
        limit: opts.limit,
        ...(opts.status ? { status: opts.status } : {}),
        ...(after ? { after } : {}),
      });
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
