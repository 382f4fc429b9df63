import { JOURNAL_ACTIONS } from '@cpt/domain';
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.js';
import { Campaign } from '../campaigns/campaign.entity.js';

/**
 * One command applied to a campaign, written in the command's transaction and never changed.
 * A campaign's version grows by one with every command, so (campaign, version) orders its journal.
 */
export const JournalEntry = defineEntity({
  name: 'JournalEntry',
  tableName: 'journal_entries',
  uniques: [{ name: 'journal_entries_campaign_version_key', properties: ['campaign', 'version'] }],
  properties: {
    id: p.uuid().primary(),
    account: () => p.manyToOne(Account).foreignKeyName('journal_entries_account_id_fkey').deleteRule('restrict').updateRule('no action'),
    campaign: () => p.manyToOne(Campaign).foreignKeyName('journal_entries_campaign_id_fkey').deleteRule('restrict').updateRule('no action'),
    at: p.datetime().length(3),
    action: p.enum([...JOURNAL_ACTIONS]).columnType('varchar(20)'),
    version: p.integer(),
    positionId: p.uuid().nullable(),
    keyId: p.uuid().nullable(),
    keyName: p.string().length(200).nullable(),
    requestId: p.string().length(200).nullable(),
    details: p.json<Record<string, unknown>>(),
  },
});
export type JournalEntryEntity = InferEntity<typeof JournalEntry>;
