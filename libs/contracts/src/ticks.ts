import { z } from 'zod';
import { symbolInput } from './campaigns.js';
import { decimalOutput, positiveDecimalInput, textInput, timestampInput, timestampOutput } from './primitives.js';

/** The most ticks one ingest request may carry. */
export const MAX_TICKS_PER_REQUEST = 10_000;

/** One tick as a market feed posts it. */
export const tickInput = z.strictObject({
  symbol: symbolInput,
  price: positiveDecimalInput,
  ts: timestampInput,
  source: textInput(1, 64).default('unspecified'),
});
export type TickInput = z.output<typeof tickInput>;

/** Version 1 of a `market.ticks` value. */
export const tickEnvelope = z.object({
  v: z.literal(1),
  symbol: z.string().min(1).max(32),
  price: decimalOutput,
  ts: timestampOutput,
  source: z.string(),
  ingested_at: timestampOutput,
});
export type TickEnvelope = z.infer<typeof tickEnvelope>;
