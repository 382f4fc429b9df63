import type { CampaignPositionsView } from '@cpt/application';
import type { CampaignPositionsJson } from '@cpt/contracts';
import { NotFoundError } from '@cpt/domain';
import type { WebSocket } from 'ws';
import type { SnapshotSource } from '../src/realtime/snapshot-loader.js';

/** A socket that records what is sent and completes writes when the test says so. */
export class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly frames: string[] = [];
  private readonly callbacks: ((err?: Error) => void)[] = [];

  send(data: Buffer | string, _opts: unknown, cb: (err?: Error) => void): void {
    this.frames.push(data.toString());
    this.callbacks.push(cb);
  }

  ping(_data: unknown, _mask: unknown, cb: (err?: Error) => void): void {
    this.callbacks.push(cb);
  }

  /** Completes every write so far, as the kernel taking the bytes would. */
  drain(): void {
    this.bufferedAmount = 0;
    for (const cb of this.callbacks.splice(0)) cb();
  }

  /** Completes the oldest write, leaving `bufferedAfter` bytes unsent. */
  completeOne(bufferedAfter: number): void {
    this.bufferedAmount = bufferedAfter;
    this.callbacks.shift()?.();
  }

  /** The frames sent so far, parsed; clears them. */
  take(): Record<string, unknown>[] {
    return this.frames.splice(0).map((f) => JSON.parse(f) as Record<string, unknown>);
  }

  asWebSocket(): WebSocket {
    return this as unknown as WebSocket;
  }
}

/** Campaign views whose reads finish when the test resolves them. */
export class FakeReads implements SnapshotSource {
  private readonly waiting: { id: string; resolve: (v: CampaignPositionsView) => void; reject: (e: unknown) => void }[] = [];
  reads = 0;
  /** Campaigns that are not the account's (or do not exist). */
  readonly unknown = new Set<string>();
  /** The campaigns each read was for, in the order the reads started. */
  readonly order: string[] = [];

  getCampaignPositions(_accountId: string, id: string): Promise<CampaignPositionsView> {
    this.reads++;
    this.order.push(id);
    return new Promise((resolve, reject) => this.waiting.push({ id, resolve, reject }));
  }

  async ownedCampaigns(_accountId: string, ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => !this.unknown.has(id)));
  }

  get pending(): number {
    return this.waiting.length;
  }

  /** Answers the oldest read with the view at `seq`. */
  async answer(seq: number): Promise<void> {
    const w = this.waiting.shift();
    if (!w) throw new Error('no read is waiting');
    w.resolve({ seq, data: view(w.id, seq) });
    await settle();
  }

  async notFound(): Promise<void> {
    const w = this.waiting.shift();
    if (!w) throw new Error('no read is waiting');
    w.reject(new NotFoundError('campaign', w.id));
    await settle();
  }
}

/** A campaign view whose version tells which seq it was read at. */
export function view(campaignId: string, seq: number): CampaignPositionsJson {
  return {
    campaign_id: campaignId,
    version: seq + 1,
    positions: [],
    total_shares: '0.00000000',
    weighted_avg_entry: '0.00000000',
    total_risk: '0.00000000',
    unrealized_pnl: '0.00000000',
    realized_pnl: '0.00000000',
    total_pnl: '0.00000000',
    total_fees: '0.00000000',
    net_pnl: '0.00000000',
    initial_risk: '0.00000000',
    r_multiple: null,
    open_positions_count: 0,
    closed_positions_count: 0,
    breached_positions_count: 0,
    as_of: null,
  };
}

/** Lets pending promise callbacks run. */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
