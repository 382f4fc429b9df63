import { ValidationError } from '@cpt/domain';

/** Where a page of campaigns ends: the last campaign's creation time and id (newest first). */
export interface CampaignCursor {
  createdAt: string;
  id: string;
}

/** The opaque `next_cursor` of a page. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

/** Reads a cursor this service issued; anything else is the contract's 422. */
export function decodeCursor(cursor: string): CampaignCursor {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      !Number.isNaN(Date.parse(v[0])) &&
      typeof v[1] === 'string' &&
      /^[0-9a-f-]{36}$/.test(v[1])
    ) {
      return { createdAt: v[0], id: v[1] };
    }
  } catch {
    // fall through
  }
  throw new ValidationError([{ path: 'cursor', message: 'is not a cursor this service issued' }]);
}
