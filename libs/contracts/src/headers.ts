import { z } from 'zod';

/** `ETag` of a campaign: its version, quoted. */
export const etagHeader = z
  .string()
  .regex(/^"[0-9]+"$/)
  .meta({ description: 'the campaign’s version after the request, quoted, as `If-Match` takes it', example: '"3"' });

/** `Location` of a created campaign. */
export const campaignLocationHeader = z
  .string()
  .regex(/^\/api\/v1\/campaigns\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  .meta({ description: 'the path of the new campaign', example: '/api/v1/campaigns/2f6c1c1e-8a55-4b8e-9d43-0b1f1c7a9e10' });

/**
 * `If-Match` on a command: `"<version>"`, `W/"<version>"` or `<version>`; `*` is no condition. A
 * value that names no version matches none, and the command is answered 409 `version_conflict`.
 */
export const ifMatchHeader = z.string().meta({
  description:
    'the campaign version the command expects, as `ETag` gives it (`"3"`; `W/"3"` and `3` are read the same); ' +
    'a mismatch, or a value that names no version, is answered 409 `version_conflict` and changes nothing',
  example: '"3"',
});

/** `x-request-id` as a caller may send it: kept when it is 1–200 printable ASCII characters, else replaced. */
export const requestIdRequestHeader = z.string().meta({
  description: 'a correlation id: echoed when it is 1–200 printable ASCII characters, else a new one is made',
  example: 'b7c5d0b4-feed-4c1e-9f1b-4a8f7e0b2c11',
});

/** `x-request-id` on every response. */
export const requestIdResponseHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/)
  .meta({ description: 'the request’s correlation id: the caller’s, or a new one' });
