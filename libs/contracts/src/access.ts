import { JOURNAL_ACTIONS, SCOPES } from '@cpt/domain';
import { z } from 'zod';
import { decimalOutput, percentInput, positiveDecimalInput, textInput, timestampInput, timestampOutput, uuid } from './primitives.js';

/** An account's risk settings (section 8). */
export const settingsSchema = z.object({
  equity: decimalOutput.nullable(),
  max_campaign_risk_pct: decimalOutput,
  max_portfolio_heat_pct: decimalOutput,
});
export type SettingsJson = z.infer<typeof settingsSchema>;

/** Account resource. */
export const accountSchema = z.object({
  id: z.string(),
  name: z.string(),
  created_at: timestampOutput,
  settings: settingsSchema,
});
export type AccountJson = z.infer<typeof accountSchema>;

/** A campaign's exposure in the account view. */
export const campaignExposureSchema = z.object({
  campaign_id: z.string(),
  exposure: decimalOutput,
  exposure_pct: decimalOutput.nullable(),
});

/** `GET /api/v1/account`: the account with its heat and the exposure of each ACTIVE campaign. */
export const accountViewSchema = accountSchema.extend({
  heat: decimalOutput,
  heat_pct: decimalOutput.nullable(),
  campaigns: z.array(campaignExposureSchema),
});
export type AccountViewJson = z.infer<typeof accountViewSchema>;

/** `PATCH /api/v1/account/settings` body: any of the three settings. */
export const settingsBody = z.strictObject({
  equity: positiveDecimalInput.nullable().optional(),
  max_campaign_risk_pct: percentInput.optional(),
  max_portfolio_heat_pct: percentInput.optional(),
});
export type SettingsBody = z.output<typeof settingsBody>;

export const accountListSchema = z.object({ items: z.array(accountSchema), next_cursor: z.string().nullable() });
export type AccountListJson = z.infer<typeof accountListSchema>;

export const scopeSchema = z.enum(SCOPES);

/** API key record; the key itself is never part of it. */
export const keySchema = z.object({
  id: z.string(),
  account_id: z.string(),
  name: z.string(),
  scopes: z.array(scopeSchema),
  prefix: z.string(),
  created_at: timestampOutput,
  expires_at: timestampOutput.nullable(),
  revoked_at: timestampOutput.nullable(),
  last_used_at: timestampOutput.nullable(),
});
export type KeyJson = z.infer<typeof keySchema>;

/** The answer to creating a key: the only time the key is shown. */
export const createdKeySchema = keySchema.extend({ key: z.string() });
export type CreatedKeyJson = z.infer<typeof createdKeySchema>;

export const keyListSchema = z.object({ items: z.array(keySchema) });
export type KeyListJson = z.infer<typeof keyListSchema>;

/** `POST /api/v1/admin/accounts` body. */
export const createAccountBody = z.strictObject({ name: textInput(1, 200) });
export type CreateAccountBody = z.output<typeof createAccountBody>;

/** `POST /api/v1/admin/accounts/{id}/keys` body. */
export const createKeyBody = z.strictObject({
  name: textInput(1, 200),
  scopes: z
    .array(scopeSchema)
    .min(1)
    .max(SCOPES.length)
    .refine((s) => new Set(s).size === s.length, { message: 'must not repeat a scope' }),
  expires_at: timestampInput.nullable().optional(),
});
export type CreateKeyBody = z.output<typeof createKeyBody>;

/** One journal entry of a campaign. */
export const journalEntrySchema = z.object({
  id: z.string(),
  at: timestampOutput,
  action: z.enum(JOURNAL_ACTIONS),
  version: z.number().int(),
  position_id: z.string().nullable(),
  key_id: z.string().nullable(),
  key_name: z.string().nullable(),
  request_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type JournalEntryJson = z.infer<typeof journalEntrySchema>;

export const journalPageSchema = z.object({ items: z.array(journalEntrySchema), next_cursor: z.string().nullable() });
export type JournalPageJson = z.infer<typeof journalPageSchema>;

/** `?limit&cursor` of a paged listing. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
});

/** Path parameters naming an account. */
export const accountIdParams = z.object({ id: uuid });
