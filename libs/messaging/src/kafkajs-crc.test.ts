import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

// patches/kafkajs+2.2.4.patch: the CRC-32C of the record batches kafkajs produces is
// @node-rs/crc32's (native) where its binary loads, instead of kafkajs's JavaScript, a byte at a time.
type Crc = ((buffer: Buffer) => number) & { implementation?: string };
const recordBatchCrc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as Crc;
/** kafkajs's own CRC-32C, in JavaScript. */
const javascriptCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Buffer) => number;

describe('the CRC-32C of kafkajs record batches (kafkajs, patched)', () => {
  it('is native on this platform (the prebuilt binary of @node-rs/crc32 loads)', () => {
    expect(recordBatchCrc.implementation).toBe('native');
  });

  it('gives the check value of CRC-32C', () => {
    expect(recordBatchCrc(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(javascriptCrc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(recordBatchCrc(Buffer.alloc(0))).toBe(0);
  });

  it('equals kafkajs own CRC-32C for any bytes, at any offset of a shared buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat(64), (bytes, offset) => {
        // A Buffer that is a view into a larger allocation, as kafkajs's encoders hand them over.
        const backing = Buffer.alloc(offset + bytes.length);
        backing.set(bytes, offset);
        const view = backing.subarray(offset);
        expect(recordBatchCrc(view)).toBe(javascriptCrc32c(view));
      }),
      { numRuns: 500 },
    );
  });

  it('is written into the record batches kafkajs encodes', async () => {
    const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
      RecordBatch: (opts: object) => Promise<{ buffer: Buffer }>;
    };
    const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (opts: object) => unknown;
    const records = [0, 1, 2].map((i) =>
      Record({ offsetDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(`{"seq":${i}}`), headers: {} }),
    );
    const encoded = (await RecordBatch({ records, firstTimestamp: 1, maxTimestamp: 1, lastOffsetDelta: 2 })).buffer;
    // firstOffset (8), length (4), partitionLeaderEpoch (4), magic (1), then the CRC of what follows it.
    expect(encoded.readUInt32BE(17)).toBe(javascriptCrc32c(encoded.subarray(21)));
  });
});
