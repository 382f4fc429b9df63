import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseUnits } from './price-units.js';

export const USAGE = `Usage: npm run feed -- [options]

Posts ticks to price-ingest: a seeded random walk of prices, or the rows of a CSV file.

  --url URL                 where to post (default CPT_TICKS_URL, else http://127.0.0.1:8081/api/v1/ticks)
  --key KEY                 the API key to post (scope ticks:write) and read start prices (campaigns:read)
                            with (default CPT_API_KEY, else the contents of --key-file)
  --key-file FILE           where the key is read from when neither --key nor CPT_API_KEY gives one
                            (default .run/dev-api-key, written by make up)
  --api URL                 the gateway, read for start prices (default CPT_API_URL, else http://127.0.0.1:8080)
  --symbols A,B,...         symbols of the walk (default GBPUSD,AAPL)
  --start-price SYM=PRICE   start price of a symbol, repeatable. Without it a symbol starts at its
                            latest mark, else at the entry price of its newest open position (both
                            read from the gateway with the key), else at 100
  --seed N                  seed of the walk, 0..4294967295 (default: random, printed)
  --rate N                  ticks per second; 0 sends as fast as they are accepted (default 10)
  --batch N                 ticks per request, 1..10000 (default: about a tenth of the rate)
  --duration SECONDS        stop after this long (default: run until Ctrl-C)
  --replay FILE.csv         post the rows of a CSV file (header symbol,price,ts[,source]) in order;
                            services/price-ingest/fixtures/sample-ticks.csv is a sample (GBPUSD, AAPL)
  --shift-to-now            with --replay: move every tick by the same amount so that the file's
                            latest tick is dated now (when the replay starts), its spacing kept
  --help                    print this message

Prints where each symbol starts and a progress line every few seconds. Exits 0 when every request
was accepted, 1 when some were not, 2 on bad options.`;

const DEFAULT_TICKS_URL = 'http://127.0.0.1:8081/api/v1/ticks';
const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** The environment variables that stand in for options: an option given on the command line wins. */
const ENV_OPTIONS = { url: 'CPT_TICKS_URL', api: 'CPT_API_URL', key: 'CPT_API_KEY' } as const;

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
    url: z.url({ protocol: /^https?$/, message: '--url must be an http(s) URL' }).default(DEFAULT_TICKS_URL),
    api: z
      .url({ protocol: /^https?$/, message: '--api must be an http(s) URL' })
      // The README's API base (…/api/v1) is taken too.
      .transform((u) => u.replace(/\/+$/, '').replace(/\/api\/v1$/, ''))
      .default(DEFAULT_API_URL),
    key: z
      .string()
      .transform((k) => k.trim())
      .pipe(z.string().min(1, { message: '--key must not be empty' }))
      .optional(),
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
    'shift-to-now': z.boolean().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.replay !== undefined && (o.symbols !== undefined || o['start-price'] !== undefined || o.seed !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: '--replay takes its symbols and prices from the file: drop --symbols, --start-price and --seed',
      });
    }
    if (o['shift-to-now'] && o.replay === undefined) {
      ctx.addIssue({ code: 'custom', message: '--shift-to-now moves the times of a --replay file: add --replay FILE.csv' });
    }
    const symbols = o.symbols ?? ['GBPUSD', 'AAPL'];
    for (const [symbol] of o['start-price'] ?? []) {
      if (o.replay === undefined && !symbols.includes(symbol))
        ctx.addIssue({ code: 'custom', message: `--start-price names ${symbol}, which is not in --symbols` });
    }
  });

export type FeedSource =
  | { kind: 'walk'; symbols: string[]; seed: number; startUnits: Map<string, bigint> }
  | { kind: 'replay'; file: string; shiftToNow: boolean };

/** What the feed does, checked and with every default filled in. */
export interface FeedOptions {
  url: string;
  /** The gateway's address, read for start prices (without `/api/v1`). */
  api: string;
  /** The API key given on the command line or in CPT_API_KEY, if any. */
  key: string | undefined;
  /** Where the API key is read from when `key` is not given. */
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

/**
 * Reads the command line, with CPT_TICKS_URL, CPT_API_URL and CPT_API_KEY from `env` for the
 * options not given; `random` supplies the seed when none is given.
 */
export function parseFeedArgs(
  argv: readonly string[],
  random: () => number = () => Math.floor(Math.random() * 2 ** 32),
  env: Readonly<Record<string, string | undefined>> = process.env,
): ParsedArgs {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        api: { type: 'string' },
        key: { type: 'string' },
        'key-file': { type: 'string' },
        symbols: { type: 'string' },
        'start-price': { type: 'string', multiple: true },
        seed: { type: 'string' },
        rate: { type: 'string' },
        batch: { type: 'string' },
        duration: { type: 'string' },
        replay: { type: 'string' },
        'shift-to-now': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    return { ok: false, help: false, message: (err as Error).message };
  }
  if (values.help === true) return { ok: false, help: true, message: '' };
  const { help: _, ...rest } = values;
  for (const [option, name] of Object.entries(ENV_OPTIONS)) {
    const value = env[name]?.trim();
    if (rest[option] === undefined && value) rest[option] = value;
  }
  const r = rawSchema.safeParse(rest);
  if (!r.success) return { ok: false, help: false, message: r.error.issues.map((i) => i.message).join('\n') };
  const o = r.data;
  const source: FeedSource =
    o.replay !== undefined
      ? { kind: 'replay', file: o.replay, shiftToNow: o['shift-to-now'] === true }
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
      api: o.api,
      key: o.key,
      keyFile: o['key-file'],
      source,
      rate: o.rate,
      batch: o.batch ?? defaultBatch(o.rate),
      durationMs: o.duration === undefined ? undefined : o.duration * 1000,
    },
  };
}
