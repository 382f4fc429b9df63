import { BadRequestError } from '@cpt/domain';
import { parseJsonLossless } from '@cpt/http';
import type { FastifyInstance } from 'fastify';

/**
 * Parses an NDJSON body (one tick per line; blank lines ignored) into an array. The count is
 * judged with the ticks, as for a JSON array; the body limit bounds the work.
 */
export function parseNdjson(text: string): unknown[] {
  const out: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    try {
      out.push(parseJsonLossless(line));
    } catch {
      throw new BadRequestError(`line ${i + 1} is not valid JSON`);
    }
  }
  return out;
}

/** Accepts `application/x-ndjson` bodies for feeds that send large batches. */
export function registerNdjsonParser(app: FastifyInstance): void {
  app.addContentTypeParser(['application/x-ndjson', 'application/jsonl'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseNdjson(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
