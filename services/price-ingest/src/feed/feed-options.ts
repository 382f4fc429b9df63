import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseUnits } from './price-units.js';

export const USAGE = `Usage: npm run feed -- [options]

Posts ticks to price-ingest: a seeded random walk of prices, or the rows of a CSV file.

  --url URL                 where to post (default http://127.0.0.1:8081/api/v1/ticks)
  --key-file FILE           the API key (scope ticks:write) to post with (default .run/dev-api-key,
                            written by make up); CPT_API_KEY in the environment wins over both
  --symbols A,B,...         symbols of the walk (default GBPUSD,AAPL)
  --start-price SYM=PRICE   start price of a symbol, repeatable (default 100)
  --seed N                  seed of the walk, 0..4294967295 (default: random, printed)
  --rate N                  ticks per second; 0 sends as fast as they are accepted (default 10)
  --batch N                 ticks per request, 1..10000 (default: about a tenth of the rate)
  --duration SECONDS        stop after this long (default: run until Ctrl-C)
  --replay FILE.csv         post the rows of a CSV file (header symbol,price,ts[,source]) in order
  --help                    print this message

Prints a progress line every few seconds. Exits 0 when every request was accepted, 1 when some
were not, 2 on bad options.`;

const SYMBOL = /^[A-Za-z0-9._:/-]{1,32}$/;
const MAX_BATCH = 10_000;

const integer = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `--${name} must be a whole number` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { message: `--${name} must be at least ${min}` })
        .max(max, { message: `--${name} must be at most ${max}` }),
    );

const rawSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, message: '--url must be an http(s) URL' }).default('http://127.0.0.1:8081/api/v1/ticks'),
    'key-file': z.string().min(1).default('.run/dev-api-key'),
    symbols: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim().toUpperCase()))
      .pipe(
        z
          .array(z.string().regex(SYMBOL, { message: '--symbols takes 1–32 characters of A-Z 0-9 . _ : / - each, separated by commas' }))
          .min(1),
      )
      .optional(),
    'start-price': z
      .array(
        z.string().transform((s, ctx) => {
          const eq = s.indexOf('=');
          const units = eq > 0 ? parseUnits(s.slice(eq + 1)) : null;
          const symbol = s.slice(0, eq).trim().toUpperCase();
          if (units === null || !SYMBOL.test(symbol)) {
            ctx.addIssue({ code: 'custom', message: `--start-price takes SYMBOL=PRICE with a positive price of ≤10+8 digits, not "${s}"` });
            return z.NEVER;
          }
          return [symbol, units] as const;
        }),
      )
      .optional(),
    seed: integer('seed', 0, 2 ** 32 - 1).optional(),
    rate: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { message: '--rate must be a number of ticks per second' })
      .transform(Number)
      .pipe(z.number().max(100_000, { message: '--rate must be at most 100000' }))
      .default(10),
    batch: integer('batch', 1, MAX_BATCH).optional(),
    duration: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { message: '--duration must be a number of seconds' })
      .transform(Number)
      .pipe(z.number().positive({ message: '--duration must be more than 0' }))
      .optional(),
    replay: z.string().min(1).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.replay !== undefined && (o.symbols !== undefined || o['start-price'] !== undefined || o.seed !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: '--replay takes its symbols and prices from the file: drop --symbols, --start-price and --seed',
      });
    }
    const symbols = o.symbols ?? ['GBPUSD', 'AAPL'];
    for (const [symbol] of o['start-price'] ?? []) {
      if (o.replay === undefined && !symbols.includes(symbol))
        ctx.addIssue({ code: 'custom', message: `--start-price names ${symbol}, which is not in --symbols` });
    }
  });

export type FeedSource =
  | { kind: 'walk'; symbols: string[]; seed: number; startUnits: Map<string, bigint> }
  | { kind: 'replay'; file: string };

/** What the feed does, checked and with every default filled in. */
export interface FeedOptions {
  url: string;
  /** Where the API key is read from, unless CPT_API_KEY is set. */
  keyFile: string;
  source: FeedSource;
  /** Ticks per second; 0 for as fast as they are accepted. */
  rate: number;
  batch: number;
  durationMs: number | undefined;
}

export type ParsedArgs = { ok: true; options: FeedOptions } | { ok: false; help: boolean; message: string };

/** A batch of about a tenth of a second's ticks, so that the rate is smooth. */
export const defaultBatch = (rate: number): number => (rate === 0 ? 500 : Math.min(MAX_BATCH, Math.max(1, Math.ceil(rate / 10))));

/** Reads the command line; `random` supplies the seed when none is given. */
export function parseFeedArgs(argv: readonly string[], random: () => number = () => Math.floor(Math.random() * 2 ** 32)): ParsedArgs {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        'key-file': { type: 'string' },
        symbols: { type: 'string' },
        'start-price': { type: 'string', multiple: true },
        seed: { type: 'string' },
        rate: { type: 'string' },
        batch: { type: 'string' },
        duration: { type: 'string' },
        replay: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    return { ok: false, help: false, message: (err as Error).message };
  }
  if (values.help === true) return { ok: false, help: true, message: '' };
  const { help: _, ...rest } = values;
  const r = rawSchema.safeParse(rest);
  if (!r.success) return { ok: false, help: false, message: r.error.issues.map((i) => i.message).join('\n') };
  const o = r.data;
  const source: FeedSource =
    o.replay !== undefined
      ? { kind: 'replay', file: o.replay }
      : {
          kind: 'walk',
          symbols: [...new Set(o.symbols ?? ['GBPUSD', 'AAPL'])],
          seed: o.seed ?? random(),
          startUnits: new Map(o['start-price'] ?? []),
        };
  return {
    ok: true,
    options: {
      url: o.url,
      keyFile: o['key-file'],
      source,
      rate: o.rate,
      batch: o.batch ?? defaultBatch(o.rate),
      durationMs: o.duration === undefined ? undefined : o.duration * 1000,
    },
  };
}
