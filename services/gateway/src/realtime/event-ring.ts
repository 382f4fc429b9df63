import type { HubEvent } from './hub-event.js';

/**
 * The recent events of one campaign, contiguous in seq, bounded by a count and a byte size
 * (the oldest go first). Holding a contiguous run is what lets a resume be answered from it.
 */
export class EventRing {
  private items: HubEvent[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  /** Appends an event whose seq follows the last one held; anything else must `clear()` first. */
  push(e: HubEvent): void {
    if (this.maxEvents === 0) return;
    this.items.push(e);
    this.bytes += e.bytes.length;
    while (this.size() > 1 && (this.size() > this.maxEvents || this.bytes > this.maxBytes)) {
      this.bytes -= (this.items[this.head] as HubEvent).bytes.length;
      this.items[this.head++] = undefined as unknown as HubEvent;
    }
    // Compacts now and then, so that dropping from the front stays O(1) amortised.
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }

  size(): number {
    return this.items.length - this.head;
  }

  /** The seq of the oldest event held, or undefined when empty. */
  firstSeq(): number | undefined {
    return this.items[this.head]?.seq;
  }

  /** The events with a seq above `afterSeq`, oldest first. */
  after(afterSeq: number): HubEvent[] {
    const out: HubEvent[] = [];
    for (let i = this.items.length - 1; i >= this.head; i--) {
      const e = this.items[i] as HubEvent;
      if (e.seq <= afterSeq) break;
      out.push(e);
    }
    return out.reverse();
  }
}
