import { formatUnits, MAX_UNITS } from './price-units.js';

/** A small, fast, seedable generator (mulberry32): the same seed gives the same numbers everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export interface WalkOptions {
  symbols: readonly string[];
  seed: number;
  /** Start price of each symbol, in units of 0.00000001. */
  startUnits: ReadonlyMap<string, bigint>;
  /** The largest move of one step, in millionths of the price (each step draws twice and adds). */
  stepPpm?: number;
}

/** One step of the walk: a symbol and its new price as a contract decimal string. */
export interface WalkTick {
  symbol: string;
  price: string;
}

/**
 * A random walk of prices, one symbol after the other, in whole units: each step moves the price
 * by a triangular-distributed fraction of itself, never below one unit nor above the contract's
 * maximum. Deterministic for a given seed, symbols and start prices.
 */
export function createWalk(opts: WalkOptions): () => WalkTick {
  if (opts.symbols.length === 0) throw new Error('a walk needs at least one symbol');
  const next = seededRandom(opts.seed);
  const step = opts.stepPpm ?? 200;
  const span = 2 * step + 1;
  const draw = () => (next() % span) - step;
  const prices = opts.symbols.map((s) => opts.startUnits.get(s) ?? 100n * 100_000_000n);
  let i = 0;
  return () => {
    const k = i % opts.symbols.length;
    i++;
    const before = prices[k] as bigint;
    const ppm = draw() + draw();
    let move = (before * BigInt(ppm)) / 1_000_000n;
    // A tiny price still moves, one unit at a time.
    if (move === 0n && ppm !== 0) move = ppm > 0 ? 1n : -1n;
    let after = before + move;
    if (after < 1n) after = 1n;
    if (after > MAX_UNITS) after = MAX_UNITS;
    prices[k] = after;
    return { symbol: opts.symbols[k] as string, price: formatUnits(after) };
  };
}
