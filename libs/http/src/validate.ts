import { fieldIssues, safeParseInput } from '@cpt/contracts';
import { BadRequestError, ValidationError } from '@cpt/domain';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';

/**
 * Parses one part of a request; a failure is the contract's 422 naming each field in the
 * contract's words (`required`, `unknown field`, `expected a string`; see `contractErrorMap`).
 */
export function parsePart<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = safeParseInput(schema, value);
  if (!r.success) throw new ValidationError(fieldIssues(r.error));
  return r.data;
}

/**
 * Parses a JSON body that the command needs: no body at all is a bad request, while valid JSON
 * of the wrong shape (`null`, an array) breaks a rule like any other field.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined) throw new BadRequestError('a JSON body is required');
  return parsePart(schema, body);
}

/**
 * The version an `If-Match` header names: `"3"`, `W/"3"` or `3`; `*` or no header is no
 * condition. Anything else can match no version.
 */
export function ifMatchVersion(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || v.trim() === '' || v.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(v);
  return m ? Number.parseInt(m[1] as string, 10) : -1;
}

/** Sets the `ETag` of a campaign version. */
export function setVersionTag(reply: FastifyReply, version: number): FastifyReply {
  return reply.header('etag', `"${version}"`);
}
