import type { JournalPageJson } from '@cpt/contracts';
import { ValidationError } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { journalJson } from './journal.mapper.js';
import { selectJournalPage } from './journal.repository.js';

const invalid = () => new ValidationError([{ path: 'cursor', message: 'is not a cursor this service issued' }]);

/** The journal cursor: the version of the last entry of a page. */
function decodeVersionCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^v(\d{1,9})$/.exec(text);
  if (!m || Buffer.from(text).toString('base64url') !== cursor) throw invalid();
  return Number(m[1]);
}
const encodeVersionCursor = (version: number) => Buffer.from(`v${version}`).toString('base64url');

/** A page of a campaign's journal, newest first; the campaign must be checked to be the account's. */
export async function journalPage(
  em: EntityManager,
  accountId: string,
  campaignId: string,
  opts: { limit: number; cursor?: string },
): Promise<JournalPageJson> {
  const before = opts.cursor === undefined ? undefined : decodeVersionCursor(opts.cursor);
  const rows = await selectJournalPage(em, accountId, campaignId, opts.limit, before);
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  return { items: page.map(journalJson), next_cursor: rows.length > opts.limit && last ? encodeVersionCursor(last.version) : null };
}
