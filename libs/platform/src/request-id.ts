import { randomUUID } from 'node:crypto';

/** The correlation header, on HTTP and on Kafka messages alike. */
export const REQUEST_ID_HEADER = 'x-request-id';

const ACCEPTABLE = /^[\x21-\x7e]{1,200}$/;

/** The caller's request id when it is a sane token, else a new one. */
export function requestIdFrom(value: unknown): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v === 'string' && ACCEPTABLE.test(v)) return v;
  if (Buffer.isBuffer(v)) return requestIdFrom(v.toString('utf8'));
  return randomUUID();
}
