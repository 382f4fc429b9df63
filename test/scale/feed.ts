import type { Fleet } from './fleet.js';
import { sleep } from './fleet.js';

/** What became of a tick's request. */
export type Outcome = 'acked' | 'unavailable' | 'no-answer' | 'other';

/** A tick the feed posted. `ts` is unique per symbol, so symbol and ts name the tick. */
export interface SentTick {
  symbol: string;
  ts: number;
  price: string;
  outcome: Outcome;
  /** The price-ingest instance that was asked. */
  via: string;
}

export interface FeedOptions {
  fleet: Fleet;
  symbols: readonly string[];
  /** A key with the scope `ticks:write`. */
  key: string;
  /** One sender per price-ingest instance, each sending a request at most this often. */
  intervalMs: number;
  /** Ticks of each symbol per request. */
  ticksPerSymbol: number;
  seed: number;
}

/**
 * A market feed: each sender posts, one request after the other, ticks of every symbol (stamped
 * with the clock, strictly increasing per symbol) to its own price-ingest instance, or to the
 * other one while its own is out of the load, and records what became of every tick.
 */
export class TickFeed {
  readonly ticks: SentTick[] = [];
  private readonly units = new Map<string, number>();
  private readonly lastTs = new Map<string, number>();
  private running = false;
  private senders: Promise<void>[] = [];
  private requests = 0;
  private random: () => number;

  constructor(private readonly o: FeedOptions) {
    let s = o.seed >>> 0 || 1;
    this.random = () => {
      s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
      return s / 2 ** 32;
    };
    o.symbols.forEach((symbol, i) => {
      this.units.set(symbol, 1_000_000 + i * 10_000);
    });
  }

  start(): void {
    this.running = true;
    this.senders = this.o.fleet.of('price-ingest').map((inst) => this.sender(inst.index));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.senders);
  }

  /** One more request of every symbol, repeated until it is acknowledged: the newest ticks of the run. */
  async last(attempts = 20): Promise<boolean> {
    for (let i = 0; i < attempts; i++) {
      if ((await this.post(1 + (i % 2))) === 'acked') return true;
      await sleep(1000);
    }
    return false;
  }

  /** The newest acknowledged tick of a symbol. */
  newestAcked(symbol: string): SentTick | undefined {
    let newest: SentTick | undefined;
    for (const t of this.ticks) if (t.symbol === symbol && t.outcome === 'acked' && (!newest || t.ts > newest.ts)) newest = t;
    return newest;
  }

  private async sender(index: number): Promise<void> {
    while (this.running) {
      const started = Date.now();
      await this.post(index);
      await sleep(Math.max(0, this.o.intervalMs - (Date.now() - started)));
    }
  }

  private async post(index: number): Promise<Outcome> {
    const inst = this.o.fleet.pick('price-ingest', index);
    if (!inst) {
      await sleep(100);
      return 'no-answer';
    }
    const batch: SentTick[] = [];
    for (let k = 0; k < this.o.ticksPerSymbol; k++) {
      for (const symbol of this.o.symbols)
        batch.push({ symbol, ts: this.nextTs(symbol), price: this.nextPrice(symbol), outcome: 'no-answer', via: inst.name });
    }
    const body = batch.map((t) => ({ symbol: t.symbol, price: t.price, ts: new Date(t.ts).toISOString(), source: `scale-${index}` }));
    const answer = await this.o.fleet.call(inst, 'POST /api/v1/ticks', '/api/v1/ticks', {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${this.o.key}`, 'x-request-id': `scale-feed-${++this.requests}` },
    });
    const outcome: Outcome = !answer ? 'no-answer' : answer.status === 202 ? 'acked' : answer.status === 503 ? 'unavailable' : 'other';
    for (const t of batch) {
      t.outcome = outcome;
      this.ticks.push(t);
    }
    return outcome;
  }

  private nextTs(symbol: string): number {
    const ts = Math.max(Date.now(), (this.lastTs.get(symbol) ?? 0) + 1);
    this.lastTs.set(symbol, ts);
    return ts;
  }

  /** A random walk in steps of at most 0.005, kept between 50 and 150: far from every stop. */
  private nextPrice(symbol: string): string {
    const u = Math.min(1_500_000, Math.max(500_000, (this.units.get(symbol) ?? 1_000_000) + Math.round((this.random() - 0.5) * 100)));
    this.units.set(symbol, u);
    return `${Math.floor(u / 10_000)}.${String(u % 10_000).padStart(4, '0')}`;
  }
}
