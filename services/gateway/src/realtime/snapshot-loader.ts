import type { CampaignPositionsView } from '@cpt/application';
import type { WsSnapshot } from '@cpt/contracts';

/** Where snapshots come from: `CampaignReads` in the gateway, scoped to the caller's account. */
export interface SnapshotSource {
  getCampaignPositions(accountId: string, id: string, opts: { includeClosed: boolean }): Promise<CampaignPositionsView>;
}

/** A campaign's state and the seq it is consistent with, as the `snapshot` frame it is sent as. */
export interface Snapshot {
  campaignId: string;
  seq: number;
  bytes: Buffer;
}

/** Who asked for snapshots: one connection. Its reads start only while it can take their bytes. */
export interface SnapshotOwner {
  /** Whether the connection has room for a snapshot now (its socket is not backed up). */
  ready(): boolean;
}

/** The read was dropped because everyone who asked for it went away. */
export class SnapshotCancelled extends Error {
  constructor() {
    super('snapshot no longer wanted');
  }
}

interface Job {
  accountId: string;
  campaignId: string;
  owners: Set<SnapshotOwner>;
  promise: Promise<Snapshot>;
  resolve: (s: Snapshot) => void;
  reject: (err: unknown) => void;
}

/**
 * Reads snapshots with a bound on concurrent reads, so that a thousand subscribes do not take every
 * database connection from the REST routes, and fairly: each connection has its own queue, served
 * in turn, so one connection asking for thousands cannot delay another's first one; a connection
 * whose socket is backed up is skipped until it drains, so a client that does not read makes no
 * database work and holds no snapshot bytes; a connection that goes takes its queue with it.
 * Requests for a campaign whose read has not started yet share it: that read begins after each of
 * them started listening for events, so it is consistent with the stream for every one of them.
 */
export class SnapshotLoader {
  /** Jobs not started yet, by account and campaign. */
  private readonly jobs = new Map<string, Job>();
  /** Each owner's queue of job keys, in the order it asked; owners are served round-robin. */
  private readonly queues = new Map<SnapshotOwner, string[]>();
  private active = 0;

  constructor(
    private readonly source: SnapshotSource,
    private readonly concurrency: number,
  ) {}

  /** Reads running plus reads waiting. */
  get backlog(): { active: number; queued: number } {
    return { active: this.active, queued: this.jobs.size };
  }

  load(owner: SnapshotOwner, accountId: string, campaignId: string): Promise<Snapshot> {
    const key = `${accountId}/${campaignId}`;
    let job = this.jobs.get(key);
    if (!job) {
      let resolve: (s: Snapshot) => void = () => undefined;
      let reject: (err: unknown) => void = () => undefined;
      const promise = new Promise<Snapshot>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      job = { accountId, campaignId, owners: new Set(), promise, resolve, reject };
      this.jobs.set(key, job);
    }
    if (!job.owners.has(owner)) {
      job.owners.add(owner);
      const queue = this.queues.get(owner) ?? [];
      queue.push(key);
      this.queues.set(owner, queue);
    }
    this.pump();
    return job.promise;
  }

  /** Drops the owner's interest in one campaign's read, if it has not started. */
  cancel(owner: SnapshotOwner, accountId: string, campaignId: string): void {
    const key = `${accountId}/${campaignId}`;
    const queue = this.queues.get(owner);
    const i = queue?.indexOf(key) ?? -1;
    if (queue && i >= 0) queue.splice(i, 1);
    this.release(owner, key);
  }

  /** Drops everything the owner waits for: its connection is gone. */
  forget(owner: SnapshotOwner): void {
    for (const key of this.queues.get(owner) ?? []) this.release(owner, key);
    this.queues.delete(owner);
  }

  /** Starts reads while there is room; called again when a read ends or an owner drains. */
  pump(): void {
    while (this.active < this.concurrency) {
      const next = this.nextJob();
      if (!next) return;
      this.jobs.delete(`${next.accountId}/${next.campaignId}`);
      for (const owner of next.owners) {
        const queue = this.queues.get(owner);
        const i = queue?.indexOf(`${next.accountId}/${next.campaignId}`) ?? -1;
        if (queue && i >= 0) queue.splice(i, 1);
      }
      this.active++;
      this.read(next)
        .then(next.resolve, next.reject)
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  private release(owner: SnapshotOwner, key: string): void {
    const job = this.jobs.get(key);
    if (!job?.owners.delete(owner) || job.owners.size > 0) return;
    this.jobs.delete(key);
    job.reject(new SnapshotCancelled());
  }

  /**
   * The next job of the first ready owner in turn; each owner looked at goes to the back of the
   * turn (a Map keeps insertion order), and an owner with nothing left leaves it.
   */
  private nextJob(): Job | undefined {
    for (let n = this.queues.size; n > 0; n--) {
      const first = this.queues.entries().next().value;
      if (!first) return undefined;
      const [owner, queue] = first;
      this.queues.delete(owner);
      // Keys whose read another owner started, or that were cancelled, are no longer jobs.
      while (queue.length > 0 && !this.jobs.has(queue[0] as string)) queue.shift();
      if (queue.length === 0) continue;
      this.queues.set(owner, queue);
      if (owner.ready()) return this.jobs.get(queue[0] as string);
    }
    return undefined;
  }

  private async read(job: Job): Promise<Snapshot> {
    const view = await this.source.getCampaignPositions(job.accountId, job.campaignId, { includeClosed: true });
    const frame: WsSnapshot = { type: 'snapshot', campaign_id: job.campaignId, seq: view.seq, data: view.data };
    return { campaignId: job.campaignId, seq: view.seq, bytes: Buffer.from(JSON.stringify(frame)) };
  }
}
