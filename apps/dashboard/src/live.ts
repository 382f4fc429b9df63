import type { CampaignUpdated } from '@cpt/contracts';
import type { BrowserLiveClient, CampaignState } from '@cpt/realtime-client/browser';
import { useEffect, useState } from 'preact/hooks';

/** The page's WebSocket, as the trader should see it. */
export type LinkState = { kind: 'connecting' } | { kind: 'live' } | { kind: 'reconnecting'; attempt: number };

/**
 * The page's one live connection, shared by every view: views follow campaigns (counted, so that a
 * campaign two views show is subscribed once) and are told of changes at most once per animation
 * frame, however many updates arrive within it.
 */
export class LiveStore {
  link: LinkState = { kind: 'connecting' };
  private readonly frameListeners = new Set<() => void>();
  private readonly changeListeners = new Set<(u: CampaignUpdated) => void>();
  private readonly follows = new Map<string, number>();
  private frame = 0;

  constructor(readonly client: BrowserLiveClient) {
    client.on('open', () => this.setLink({ kind: 'live' }));
    client.on('reconnecting', (attempt) => this.setLink({ kind: 'reconnecting', attempt }));
    client.on('snapshot', () => this.schedule());
    client.on('update', (_state, u) => {
      this.schedule();
      if (u.reason !== 'marked') for (const l of this.changeListeners) l(u);
    });
    void client.connect();
  }

  /** Follows campaigns until the returned function is called. */
  follow(ids: readonly string[]): () => void {
    const added = ids.filter((id) => {
      const n = this.follows.get(id) ?? 0;
      this.follows.set(id, n + 1);
      return n === 0;
    });
    if (added.length > 0) this.client.subscribe(added);
    return () => {
      const removed = ids.filter((id) => {
        const n = (this.follows.get(id) ?? 1) - 1;
        if (n > 0) this.follows.set(id, n);
        else this.follows.delete(id);
        return n <= 0;
      });
      if (removed.length > 0) this.client.unsubscribe(removed);
    };
  }

  /** Drops a campaign's state and follows it again: the server sends a fresh snapshot. */
  refresh(id: string): void {
    if (!this.follows.has(id)) return;
    this.client.unsubscribe([id]);
    this.client.subscribe([id]);
  }

  state(id: string): CampaignState | undefined {
    return this.client.state(id);
  }

  /** Called once per animation frame in which something changed. */
  onFrame(listener: () => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Called for every structural change (every update but `marked`). */
  onChange(listener: (u: CampaignUpdated) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  close(): void {
    void this.client.close();
  }

  private setLink(link: LinkState): void {
    this.link = link;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      for (const l of this.frameListeners) l();
    });
  }
}

/** Re-renders the calling component once per frame in which the store changed. */
export function useFrames(store: LiveStore): void {
  const [, setFrame] = useState(0);
  useEffect(() => store.onFrame(() => setFrame((n) => n + 1)), [store]);
}

/** Follows the campaigns for as long as the calling component shows them. */
export function useFollow(store: LiveStore, ids: readonly string[]): void {
  const key = ids.join(',');
  useEffect(() => (ids.length > 0 ? store.follow(ids) : undefined), [store, key]);
}
