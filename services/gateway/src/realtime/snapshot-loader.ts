import type { CampaignPositionsView } from '@cpt/application';
import type { WsSnapshot } from '@cpt/contracts';

/** Where snapshots come from: `CampaignReads` in the gateway. */
export interface SnapshotSource {
  getCampaignPositions(id: string, opts: { includeClosed: boolean }): Promise<CampaignPositionsView>;
}

/** A campaign's state and the seq it is consistent with, as the `snapshot` frame it is sent as. */
export interface Snapshot {
  campaignId: string;
  seq: number;
  bytes: Buffer;
}

interface Waiting {
  promise: Promise<Snapshot>;
  resolve: (s: Snapshot) => void;
  reject: (err: unknown) => void;
}

/**
 * Reads snapshots with a bound on concurrent reads, so that a thousand subscribes do not take
 * every database connection from the REST routes. Requests for a campaign whose read has not
 * started yet share it: that read begins after each of them started listening for events, so
 * it is consistent with the stream for every one of them.
 */
export class SnapshotLoader {
  private readonly waiting = new Map<string, Waiting>();
  private readonly queue: string[] = [];
  private active = 0;

  constructor(
    private readonly source: SnapshotSource,
    private readonly concurrency: number,
  ) {}

  load(campaignId: string): Promise<Snapshot> {
    const queued = this.waiting.get(campaignId);
    if (queued) return queued.promise;
    let resolve: (s: Snapshot) => void = () => undefined;
    let reject: (err: unknown) => void = () => undefined;
    const promise = new Promise<Snapshot>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.waiting.set(campaignId, { promise, resolve, reject });
    this.queue.push(campaignId);
    this.pump();
    return promise;
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const campaignId = this.queue.shift() as string;
      const w = this.waiting.get(campaignId) as Waiting;
      this.waiting.delete(campaignId);
      this.active++;
      this.read(campaignId)
        .then(w.resolve, w.reject)
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  private async read(campaignId: string): Promise<Snapshot> {
    const view = await this.source.getCampaignPositions(campaignId, { includeClosed: true });
    const frame: WsSnapshot = { type: 'snapshot', campaign_id: campaignId, seq: view.seq, data: view.data };
    return { campaignId, seq: view.seq, bytes: Buffer.from(JSON.stringify(frame)) };
  }
}
