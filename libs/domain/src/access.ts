/** What an API key may do (section 7 of the contract). */
export const SCOPES = ['campaigns:read', 'campaigns:write', 'ticks:write', 'admin'] as const;
/** One scope of an API key. */
export type Scope = (typeof SCOPES)[number];

/** Whether the value is a scope. */
export function isScope(v: unknown): v is Scope {
  return typeof v === 'string' && (SCOPES as readonly string[]).includes(v);
}

/**
 * Who is calling: the account a verified key belongs to, the key itself, and what it may do.
 * Every command and read of campaign data takes one, and its account scopes the SQL.
 */
export interface Caller {
  accountId: string;
  keyId: string;
  keyName: string;
  scopes: readonly Scope[];
}

/** The actions a campaign's journal records, one per command. */
export const JOURNAL_ACTIONS = [
  'campaign_created',
  'campaign_updated',
  'position_opened',
  'stop_moved',
  'position_reduced',
  'position_closed',
  'stop_exit',
  'campaign_closed',
] as const;
/** One journal action. */
export type JournalAction = (typeof JOURNAL_ACTIONS)[number];
