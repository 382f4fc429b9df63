import type { CampaignListJson, CampaignPositionsJson, CampaignWithTotalsJson, JournalPageJson } from '@cpt/contracts';
import { type CampaignStatus, type CampaignTotals, NotFoundError, totalsToJson } from '@cpt/domain';
import { type EntityManager, IsolationLevel } from '@mikro-orm/postgresql';
import { asDate } from '../../db/sql.js';
import { journalPage } from '../journal/journal.reads.js';
import { decodePageCursor, encodePageCursor } from '../paging/page-cursor.js';
import { positionsJson, selectCampaignPositions } from '../positions/position.repository.js';
import { loadTotals } from '../totals/totals.repository.js';
import { type CampaignRow, campaignJson } from './campaign.mapper.js';
import {
  type CampaignStamp,
  selectCampaign,
  selectCampaignPage,
  selectCampaignStamp,
  selectOwnedCampaignIds,
} from './campaign.repository.js';

const withTotals = (c: CampaignRow, t: CampaignTotals): CampaignWithTotalsJson => ({ ...campaignJson(c), ...totalsToJson(t) });

/** A campaign's positions and totals, with the event sequence number they are consistent with. */
export interface CampaignPositionsView {
  data: CampaignPositionsJson;
  /** The `seq` of the last event recorded for the campaign when this view was read. */
  seq: number;
}

/** A campaign with its totals, with the event sequence number it is consistent with. */
export interface CampaignView {
  data: CampaignWithTotalsJson;
  /** The `seq` of the last event recorded for the campaign when this view was read. */
  seq: number;
}

/**
 * Read-side queries of one account's campaigns (another account's campaign is not found). Each call
 * runs in its own read-only, repeatable-read transaction.
 */
export class CampaignReads {
  constructor(private readonly em: EntityManager) {}

  private snapshot<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.em.fork().transactional(work, { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });
  }

  private async campaign(em: EntityManager, accountId: string, id: string): Promise<CampaignRow> {
    const c = await selectCampaign(em, accountId, id);
    if (!c) throw new NotFoundError('campaign', id);
    return c;
  }

  /** One campaign with all its totals. */
  async getCampaign(accountId: string, id: string): Promise<CampaignWithTotalsJson> {
    return (await this.getCampaignView(accountId, id)).data;
  }

  /** {@link getCampaign}, with the `last_seq` it is consistent with. */
  async getCampaignView(accountId: string, id: string): Promise<CampaignView> {
    return this.snapshot(async (em) => {
      const c = await this.campaign(em, accountId, id);
      const totals = await loadTotals(em, [id], accountId);
      return { seq: Number(c.last_seq), data: withTotals(c, totals.get(id) as CampaignTotals) };
    });
  }

  /**
   * Where the account's campaign stands now (one indexed read outside any snapshot): what a read
   * rendered earlier is checked against. Undefined when the account has no such campaign.
   */
  stamp(accountId: string, id: string): Promise<CampaignStamp | undefined> {
    return selectCampaignStamp(this.em.fork(), accountId, id);
  }

  /**
   * The positions of a campaign ordered by entry date then id, and the totals of the whole
   * campaign whatever `includeClosed` leaves out of the list.
   */
  async getCampaignPositions(accountId: string, id: string, opts: { includeClosed: boolean }): Promise<CampaignPositionsView> {
    return this.snapshot(async (em) => {
      const c = await this.campaign(em, accountId, id);
      const rows = await selectCampaignPositions(em, accountId, id, opts.includeClosed);
      const totals = await loadTotals(em, [id], accountId);
      return {
        seq: Number(c.last_seq),
        data: {
          campaign_id: c.id,
          version: c.version,
          positions: await positionsJson(em, accountId, rows),
          ...totalsToJson(totals.get(id) as CampaignTotals),
        },
      };
    });
  }

  /** A page of the account's campaigns, newest first, with their totals. */
  async listCampaigns(accountId: string, opts: { status?: CampaignStatus; limit: number; cursor?: string }): Promise<CampaignListJson> {
    const after = opts.cursor === undefined ? undefined : decodePageCursor(opts.cursor);
    return this.snapshot(async (em) => {
      const rows = await selectCampaignPage(em, accountId, {
        limit: opts.limit,
        ...(opts.status ? { status: opts.status } : {}),
        ...(after ? { after } : {}),
      });
      const page = rows.slice(0, opts.limit);
      const totals = await loadTotals(
        em,
        page.map((r) => r.id),
        accountId,
      );
      const last = page.at(-1);
      return {
        items: page.map((r) => withTotals(r, totals.get(r.id) as CampaignTotals)),
        next_cursor: rows.length > opts.limit && last ? encodePageCursor(asDate(last.created_at), last.id) : null,
      };
    });
  }

  /** Of the named campaigns, those of the account (one query, whatever their number). */
  ownedCampaigns(accountId: string, ids: readonly string[]): Promise<Set<string>> {
    return selectOwnedCampaignIds(this.em.fork(), accountId, ids);
  }

  /** A page of a campaign's journal, newest first. */
  async getJournal(accountId: string, campaignId: string, opts: { limit: number; cursor?: string }): Promise<JournalPageJson> {
    return this.snapshot(async (em) => {
      await this.campaign(em, accountId, campaignId);
      return journalPage(em, accountId, campaignId, opts);
    });
  }
}
