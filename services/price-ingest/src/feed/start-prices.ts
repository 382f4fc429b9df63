import type { CampaignListJson, CampaignPositionsJson } from '@cpt/contracts';
import { formatUnits, parseUnits, UNITS_PER_ONE } from './price-units.js';

/** Where a symbol's walk starts, and why there (for the line the feed prints). */
export interface StartPrice {
  units: bigint;
  why: string;
}

/** The gateway's reads the feed needs: those of `RestClient` from `@cpt/realtime-client`. */
export interface CampaignSource {
  listCampaigns(q: { status?: 'ACTIVE' | 'CLOSED'; limit?: number; cursor?: string }): Promise<CampaignListJson>;
  positions(campaignId: string, q: { include_closed?: boolean }): Promise<{ body: CampaignPositionsJson }>;
}

/** Where a walk starts when nothing else says: 100. */
export const DEFAULT_START_UNITS = 100n * UNITS_PER_ONE;

/**
 * The price each symbol trades at, as far as the key's account knows: the latest mark among the
 * OPEN positions of its ACTIVE campaigns (the `current_price` of the one marked last), else the
 * entry price of its newest open position. A symbol without an open position is left out. Reads at
 * most `maxCampaigns` campaigns, 200 at a time.
 */
export async function marketPrices(
  source: CampaignSource,
  symbols: readonly string[],
  maxCampaigns = 2000,
): Promise<Map<string, StartPrice>> {
  const wanted = new Set(symbols);
  const best = new Map<string, { marked: string | null; entered: string; price: string }>();
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await source.listCampaigns({ status: 'ACTIVE', limit: 200, ...(cursor ? { cursor } : {}) });
    read += page.items.length;
    cursor = page.next_cursor ?? undefined;
    for (const c of page.items) {
      if (!wanted.has(c.symbol) || c.open_positions_count === 0) continue;
      const { body } = await source.positions(c.id, { include_closed: false });
      for (const p of body.positions) {
        if (p.status !== 'OPEN') continue;
        const held = best.get(p.symbol);
        // A mark beats an entry; a later mark beats an earlier one; without marks, the newest entry.
        const better =
          !held ||
          (p.marked_at !== null && (held.marked === null || p.marked_at > held.marked)) ||
          (p.marked_at === null && held.marked === null && p.entry_date > held.entered);
        if (better) best.set(p.symbol, { marked: p.marked_at, entered: p.entry_date, price: p.current_price });
      }
    }
  } while (cursor && read < maxCampaigns);
  const out = new Map<string, StartPrice>();
  for (const [symbol, b] of best) {
    const units = parseUnits(b.price);
    if (units === null) continue;
    out.set(symbol, { units, why: b.marked === null ? 'the entry price of its newest open position' : `its mark of ${b.marked}` });
  }
  return out;
}

/**
 * Each symbol's start: a `--start-price` given for it, else its market price, else 100. Symbols
 * are listed in the order given.
 */
export function chooseStartPrices(
  symbols: readonly string[],
  given: ReadonlyMap<string, bigint>,
  market: ReadonlyMap<string, StartPrice>,
  unknown = 'no open position seen: --start-price SYMBOL=PRICE sets one',
): Map<string, StartPrice> {
  return new Map(
    symbols.map((s): [string, StartPrice] => {
      const units = given.get(s);
      if (units !== undefined) return [s, { units, why: '--start-price' }];
      return [s, market.get(s) ?? { units: DEFAULT_START_UNITS, why: unknown }];
    }),
  );
}

/** `GBPUSD 1.25750000 (its mark of …)`, one per symbol. */
export const startLine = (symbol: string, p: StartPrice): string => `${symbol} from ${formatUnits(p.units)} (${p.why})`;
