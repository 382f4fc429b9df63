import type { WebSocket } from 'ws';
import { PendingUpdate } from './conflated-update.js';
import type { HubEvent } from './hub-event.js';

/** The back-pressure limits of one connection. */
export interface ClientWriterOptions {
  /** Above this many unsent bytes on the socket, events are merged instead of queued. */
  maxBufferedBytes: number;
  /** How long the socket may stay above the bound with no write completing before the client counts as stuck. */
  slowClientDeadlineMs: number;
  /** Called once when the client is stuck past the deadline; the writer sends nothing more. */
  onStuck: () => void;
  /** Called when the client falls behind and its updates start to be merged. */
  onBehind?: () => void;
  /**
   * The most bytes the socket may hold unsent, of any kind of frame; a frame that would take it past
   * this closes the connection (`onOverflow`) instead of growing the gateway's memory.
   */
  maxUnsentBytes: number;
  /** Called once when a frame would pass `maxUnsentBytes`; the writer sends nothing more. */
  onOverflow: () => void;
  /** Called when a socket that was found backed up (by {@link ClientWriter.ready}) has room again. */
  onDrain?: () => void;
  /**
   * Called when a campaign's pending update cannot take an event (one that is not a valid message):
   * its pending update is dropped, and the client needs a fresh snapshot of the campaign.
   */
  onResync?: (campaignId: string) => void;
}

/**
 * The outgoing side of one connection. Events go out as the hub serialized them while the socket
 * keeps up; once its unsent bytes pass the bound, the events of each campaign are held as one
 * pending update (the latest event while it covers the others, else their merge), flushed as soon
 * as a write completes and the socket is below the bound again.
 * Every write carries a completion callback, so some write is always in flight while anything is
 * pending, and its completion is the moment to flush.
 */
export class ClientWriter {
  private readonly pending = new Map<string, PendingUpdate>();
  private deadline: NodeJS.Timeout | undefined;
  /** When a write last completed, or the backlog began: the client is stuck when neither is recent. */
  private progressAt = 0;
  private closed = false;
  private corked = false;
  /** Bytes sent in this turn, held by the cork: not a backlog, they have not been offered to the socket yet. */
  private heldBytes = 0;
  /** Someone found the socket backed up and waits for {@link ClientWriterOptions.onDrain}. */
  private awaitingRoom = false;
  /** Frames sent, and events merged instead of sent, since the connection opened. */
  readonly counts = { sent: 0, merged: 0 };

  constructor(
    private readonly ws: WebSocket,
    private readonly opts: ClientWriterOptions,
  ) {}

  /** Whether the socket has room for a large frame now; if not, `onDrain` follows when it has. */
  ready(): boolean {
    if (this.closed) return false;
    if (!this.backedUp()) return true;
    this.awaitingRoom = true;
    // Something waits for this client to read: one that never does is closed like any stuck one.
    this.arm();
    return false;
  }

  /** Sends a frame that is never merged: a snapshot, an error, a pong, a `resumed`. */
  send(data: Buffer | string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (this.ws.bufferedAmount + size > this.opts.maxUnsentBytes) {
      this.close();
      this.opts.onOverflow();
      return;
    }
    this.cork();
    this.ws.send(data, { binary: false }, this.written);
    if (this.corked) this.heldBytes += size;
    this.counts.sent++;
  }

  /** Sends an event, or merges it into its campaign's pending update when the client is behind. */
  sendEvent(e: HubEvent): void {
    if (this.closed) return;
    const pending = this.pending.get(e.campaignId);
    if (pending) {
      this.counts.merged++;
      if (!pending.add(e)) {
        this.drop(e.campaignId);
        this.opts.onResync?.(e.campaignId);
      }
    } else if (this.backedUp()) {
      this.pending.set(e.campaignId, new PendingUpdate(e));
      this.counts.merged++;
      if (!this.deadline) {
        this.arm();
        this.opts.onBehind?.();
      }
    } else {
      this.send(e.bytes);
    }
  }

  /** Forgets the campaign's pending update: it was unsubscribed, or a snapshot replaces it. */
  drop(campaignId: string): void {
    this.pending.delete(campaignId);
    if (!this.waiting()) this.disarm();
  }

  ping(): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.ping(undefined, undefined, this.written);
  }

  /** Stops writing and releases what is pending. */
  close(): void {
    this.closed = true;
    this.pending.clear();
    this.disarm();
  }

  /**
   * Holds the frames sent in this turn of the event loop (a batch of Kafka messages can carry many
   * events for one client) and writes them with one system call, instead of one per frame.
   */
  private cork(): void {
    if (this.corked) return;
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!socket) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      this.heldBytes = 0;
      socket.uncork();
    });
  }

  private backedUp(): boolean {
    return this.ws.bufferedAmount - this.heldBytes > this.opts.maxBufferedBytes;
  }

  private readonly written = (err?: Error | null): void => {
    if (err || !this.waiting()) return;
    this.progressAt = Date.now();
    if (this.backedUp()) return;
    if (this.awaitingRoom) {
      this.awaitingRoom = false;
      this.opts.onDrain?.();
    }
    this.flush();
  };

  /** Whether anything waits for the socket to drain: merged updates, or a snapshot held back. */
  private waiting(): boolean {
    return this.pending.size > 0 || this.awaitingRoom;
  }

  /** Starts the slow-client deadline, unless it runs. */
  private arm(): void {
    if (this.deadline) return;
    this.progressAt = Date.now();
    this.deadline = setTimeout(this.onDeadline, this.opts.slowClientDeadlineMs);
  }

  private flush(): void {
    for (const [campaignId, update] of this.pending) {
      if (this.backedUp()) return;
      this.pending.delete(campaignId);
      this.send(update.bytes());
    }
    if (!this.awaitingRoom) this.disarm();
  }

  private readonly onDeadline = (): void => {
    this.deadline = undefined;
    if (this.closed || !this.waiting()) return;
    if (!this.backedUp()) {
      if (this.awaitingRoom) {
        this.awaitingRoom = false;
        this.opts.onDrain?.();
      }
      this.flush();
      return;
    }
    // A client that reads slowly but steadily stays: only one whose writes stopped completing goes.
    const idle = Date.now() - this.progressAt;
    if (idle < this.opts.slowClientDeadlineMs) {
      this.deadline = setTimeout(this.onDeadline, this.opts.slowClientDeadlineMs - idle);
      return;
    }
    this.close();
    this.opts.onStuck();
  };

  private disarm(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }
}
