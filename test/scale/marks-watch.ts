import type { MikroORM } from '@cpt/application';
import { sleep } from './fleet.js';
import { sqlRows } from './setup.js';

/**
 * When each new mark of each symbol became visible, per place it is seen from: `postgres` (the
 * symbol's mark in the database, polled) and `gateway-N` (the first WebSocket update carrying it
 * through that gateway). A mark is named by its tick's `ts`, which the feed takes from the clock.
 */
export class MarkTimeline {
  private readonly series = new Map<string, Map<string, { at: number[]; ts: number[] }>>();

  note(source: string, symbol: string, markTs: number, seenAt: number): void {
    let bySymbol = this.series.get(source);
    if (!bySymbol) {
      bySymbol = new Map();
      this.series.set(source, bySymbol);
    }
    let s = bySymbol.get(symbol);
    if (!s) {
      s = { at: [], ts: [] };
      bySymbol.set(symbol, s);
    }
    if (s.ts.length > 0 && markTs <= (s.ts.at(-1) as number)) return;
    s.at.push(seenAt);
    s.ts.push(markTs);
  }

  sources(): string[] {
    return [...this.series.keys()].sort();
  }

  /**
   * How long after `at` the symbol's first mark from a tick fed at or after `at` became visible
   * from `source`; undefined when none did.
   */
  stall(source: string, symbol: string, at: number): number | undefined {
    const s = this.series.get(source)?.get(symbol);
    if (!s) return undefined;
    for (let i = 0; i < s.ts.length; i++) if ((s.ts[i] as number) >= at) return (s.at[i] as number) - at;
    return undefined;
  }
}

/** Polls the marks of the run's symbols in PostgreSQL into the timeline. */
export class DbMarksPoller {
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly symbols: readonly string[],
    private readonly timeline: MarkTimeline,
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          const rows = await sqlRows<{ symbol: string; ts: Date | string }>(
            this.orm,
            'select symbol, ts from symbol_marks where symbol in (?)',
            [this.symbols],
          );
          const now = Date.now();
          for (const r of rows) this.timeline.note('postgres', r.symbol, new Date(r.ts).getTime(), now);
        } catch {
          // A missed poll only makes a figure coarser.
        }
        await sleep(this.intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
