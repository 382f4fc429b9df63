import { NumberText } from '@cpt/contracts';
import { BadRequestError } from '@cpt/domain';
import type { FastifyInstance } from 'fastify';
import { parse } from 'lossless-json';

/**
 * Parses JSON bodies without losing a digit: a JSON number reaches validation as the text it
 * was written with, so `1234567890.12345678` or `1e5` can be judged exactly.
 */
export function parseJsonLossless(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return parse(text, null, (value) => new NumberText(value));
  } catch {
    throw new BadRequestError('body is not valid JSON');
  }
}

/** Replaces fastify's JSON parser with the lossless one, for JSON and JSON merge-patch bodies. */
export function registerJsonParser(app: FastifyInstance): void {
  // Only JSON is accepted: any other content type is answered 415, which the error handler reports as 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonLossless(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
