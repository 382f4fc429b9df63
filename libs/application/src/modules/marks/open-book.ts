import { excursionR, toUnits } from '@cpt/domain';
import { utcMillis } from '../../db/timestamps.js';
import type { MarkFreeSums } from '../totals/totals.repository.js';
import type { OpenMarkRow } from './marks.repository.js';

/**
 * An OPEN position as a batch of marks starts from: its row as the database holds it (never
 * changed in place: a batch that writes the row makes a new one), with the figures no mark changes
 * computed once.
 */
export interface OpenPosition {
  readonly row: Readonly<OpenMarkRow>;
  /** Its `entry_date` as the contract's text (UTC, milliseconds, `Z`), which orders as text. */
  readonly entryTs: string;
  /** Its entry price, open shares and risk, in units of 10⁻⁸. */
  readonly entryUnits: bigint;
  readonly sharesUnits: bigint;
  readonly riskUnits: bigint;
  /** Its realized P&L less its fees, in units: its `net_pnl` is this plus its current P&L. */
  readonly settledUnits: bigint;
  /** Its row's `updated_at`, `marked_at` and `stop_breached_at` as the contract's text. */
  readonly updatedAt: string;
  readonly markedAt: string | null;
  readonly stopBreachedAt: string | null;
  /** Its excursions in R (section 9), which only its row's excursions change. */
  readonly mfeR: string;
  readonly maeR: string;
}

export function openPosition(row: OpenMarkRow): OpenPosition {
  return {
    row,
    entryTs: utcMillis(row.entry_date),
    entryUnits: toUnits(row.entry_price),
    sharesUnits: toUnits(row.open_shares),
    riskUnits: toUnits(row.risk),
    settledUnits: (row.realized_pnl === null ? 0n : toUnits(row.realized_pnl)) - toUnits(row.fees),
    updatedAt: utcMillis(row.updated_at),
    markedAt: row.marked_at === null ? null : utcMillis(row.marked_at),
    stopBreachedAt: row.stop_breached_at === null ? null : utcMillis(row.stop_breached_at),
    mfeR: excursionR(row.entry_price, row.initial_stop, row.max_favorable_price),
    maeR: excursionR(row.entry_price, row.initial_stop, row.max_adverse_price),
  };
}

/** The contract's order of positions: by entry date, then id. */
export const byEntryDate = (a: OpenPosition, b: OpenPosition): number =>
  a.entryTs < b.entryTs ? -1 : a.entryTs > b.entryTs ? 1 : a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0;

/** What a batch of marks reads of a campaign: its OPEN positions in entry order, and the sums no mark changes. */
export interface OpenCampaign {
  readonly positions: readonly OpenPosition[];
  /** Undefined for a campaign without any position. */
  readonly sums: MarkFreeSums | undefined;
}

/**
 * The campaigns a process's batches of marks read, kept between batches so that the next batch
 * does not read them again. An entry holds the campaign as the batch that stored it committed it,
 * with the campaign's `last_seq` then. Every change of a campaign or of its positions bumps
 * `last_seq` under the campaign's lock (see `CampaignStamp`), which a batch holds when it reads
 * the entry: an entry whose seq is not the campaign's is stale, and is read again from the
 * database. Another process's batch or command, a rolled-back batch (which stores nothing), a
 * restart: each leaves at worst a stale entry, never a wrong one.
 *
 * Bounded by the positions it holds: past `maxPositions`, the campaigns used least recently go.
 */
export class OpenBook {
  private readonly campaigns = new Map<string, { seq: bigint; campaign: OpenCampaign }>();
  private held = 0;

  constructor(private readonly maxPositions: number) {}

  /** The campaign as stored at `seq` (its `last_seq` now, under its lock), or undefined. */
  get(campaignId: string, seq: string | number | bigint): OpenCampaign | undefined {
    const entry = this.campaigns.get(campaignId);
    if (!entry) return undefined;
    if (entry.seq !== BigInt(seq)) {
      this.drop(campaignId);
      return undefined;
    }
    // Least recently used first: the entry moves to the end.
    this.campaigns.delete(campaignId);
    this.campaigns.set(campaignId, entry);
    return entry.campaign;
  }

  /** Stores a campaign as a committed batch left it at `seq`; an entry of a later seq stays. */
  put(campaignId: string, seq: string | number | bigint, campaign: OpenCampaign): void {
    const at = BigInt(seq);
    const entry = this.campaigns.get(campaignId);
    if (entry && entry.seq > at) return;
    this.drop(campaignId);
    if (campaign.positions.length > this.maxPositions) return;
    this.campaigns.set(campaignId, { seq: at, campaign });
    this.held += campaign.positions.length;
    for (const id of this.campaigns.keys()) {
      if (this.held <= this.maxPositions) break;
      this.drop(id);
    }
  }

  /** Forgets a campaign. */
  private drop(campaignId: string): void {
    const entry = this.campaigns.get(campaignId);
    if (!entry) return;
    this.campaigns.delete(campaignId);
    this.held -= entry.campaign.positions.length;
  }

  /** The positions held, across campaigns. */
  get size(): number {
    return this.held;
  }
}
