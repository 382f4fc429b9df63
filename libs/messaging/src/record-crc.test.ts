import { createRequire } from 'node:module';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { javascriptCrc32c, nativeCrc32c, recordBatchCrc, useNativeRecordCrc } from './record-crc.js';

const require = createRequire(import.meta.url);

describe('record batch CRC-32C', () => {
  it('has a native CRC-32C on this platform (the prebuilt binary of @node-rs/crc32 loads)', () => {
    expect(nativeCrc32c).toBeTypeOf('function');
  });

  it('gives the check value of CRC-32C, as kafkajs does', () => {
    const check = Buffer.from('123456789');
    expect(nativeCrc32c?.(check)).toBe(0xe3069283);
    expect(javascriptCrc32c(check)).toBe(0xe3069283);
    expect(nativeCrc32c?.(Buffer.alloc(0))).toBe(0);
  });

  it('equals kafkajs CRC-32C for any bytes, at any offset of a shared buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat(64), (bytes, offset) => {
        // A Buffer that is a view into a larger allocation, as kafkajs's encoders hand them over.
        const backing = Buffer.alloc(offset + bytes.length);
        backing.set(bytes, offset);
        const view = backing.subarray(offset);
        expect(nativeCrc32c?.(view)).toBe(javascriptCrc32c(view));
      }),
      { numRuns: 500 },
    );
  });

  describe('in kafkajs', () => {
    beforeAll(() => {
      // As in a fresh process: kafkajs has encoded no record batch yet.
      for (const m of ['kafkajs/src/protocol/recordBatch/v0/index.js', 'kafkajs/src/protocol/recordBatch/crc32C/index.js']) {
        delete require.cache[require.resolve(m)];
      }
    });

    it('is the function kafkajs record batches take their CRC from once installed', () => {
      expect(useNativeRecordCrc()).toBe('native');
      expect(recordBatchCrc()).toBe(nativeCrc32c);
      expect(useNativeRecordCrc()).toBe('native');
    });

    it('writes the CRC-32C of the batch into a record batch kafkajs encodes', async () => {
      useNativeRecordCrc();
      const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
        RecordBatch: (opts: object) => Promise<{ buffer: Buffer }>;
      };
      const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (opts: object) => unknown;
      const records = [0, 1, 2].map((i) =>
        Record({ offsetDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(`{"seq":${i}}`), headers: {} }),
      );
      const encoded = (await RecordBatch({ records, firstTimestamp: 1, maxTimestamp: 1, lastOffsetDelta: 2 })).buffer;
      // firstOffset (8), length (4), partitionLeaderEpoch (4), magic (1), then the CRC of what follows it.
      const crc = encoded.readUInt32BE(17);
      expect(crc).toBe(javascriptCrc32c(encoded.subarray(21)));
    });
  });
});
