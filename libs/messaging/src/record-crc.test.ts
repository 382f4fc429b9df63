import { createRequire } from 'node:module';
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const require = createRequire(import.meta.url);

/** kafkajs's own CRC-32C, in JavaScript (the file its record batches take it from wraps this one). */
const javascriptCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Buffer) => number;
const CRC_MODULE = 'kafkajs/src/protocol/recordBatch/crc32C/index.js';
const ENCODER_MODULE = 'kafkajs/src/protocol/recordBatch/v0/index.js';

/** This module as a fresh process loads it: nothing installed yet. */
const freshRecordCrc = async () => {
  vi.resetModules();
  return import('./record-crc.js');
};

/** As in a fresh process: kafkajs has loaded neither its CRC nor its record batch encoder. */
const forgetKafkajsEncoder = () => {
  for (const m of [ENCODER_MODULE, CRC_MODULE]) delete require.cache[require.resolve(m)];
};

describe('record batch CRC-32C', () => {
  it('has a native CRC-32C on this platform (the prebuilt binary of @node-rs/crc32 loads)', async () => {
    const { nativeCrc32c } = await freshRecordCrc();
    expect(nativeCrc32c).toBeTypeOf('function');
  });

  it('gives the check value of CRC-32C, as kafkajs does', async () => {
    const { nativeCrc32c } = await freshRecordCrc();
    const check = Buffer.from('123456789');
    expect(nativeCrc32c?.(check)).toBe(0xe3069283);
    expect(javascriptCrc32c(check)).toBe(0xe3069283);
    expect(nativeCrc32c?.(Buffer.alloc(0))).toBe(0);
  });

  it('equals kafkajs CRC-32C for any bytes, at any offset of a shared buffer', async () => {
    const { nativeCrc32c } = await freshRecordCrc();
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
    beforeEach(forgetKafkajsEncoder);

    it('is the function kafkajs record batches take their CRC from once installed', async () => {
      const { nativeCrc32c, useNativeRecordCrc } = await freshRecordCrc();
      expect(useNativeRecordCrc()).toBe('native');
      expect(require(CRC_MODULE)).toBe(nativeCrc32c);
      expect(useNativeRecordCrc()).toBe('native');
    });

    it('writes the CRC-32C of the batch into a record batch kafkajs encodes', async () => {
      const { useNativeRecordCrc } = await freshRecordCrc();
      expect(useNativeRecordCrc()).toBe('native');
      const { RecordBatch } = require(ENCODER_MODULE) as { RecordBatch: (opts: object) => Promise<{ buffer: Buffer }> };
      const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (opts: object) => unknown;
      const records = [0, 1, 2].map((i) =>
        Record({ offsetDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(`{"seq":${i}}`), headers: {} }),
      );
      const encoded = (await RecordBatch({ records, firstTimestamp: 1, maxTimestamp: 1, lastOffsetDelta: 2 })).buffer;
      // firstOffset (8), length (4), partitionLeaderEpoch (4), magic (1), then the CRC of what follows it.
      const crc = encoded.readUInt32BE(17);
      expect(crc).toBe(javascriptCrc32c(encoded.subarray(21)));
    });

    it('leaves kafkajs its own CRC when a record batch was encoded before: the encoder holds the function it required', async () => {
      require(ENCODER_MODULE);
      const { useNativeRecordCrc } = await freshRecordCrc();
      expect(useNativeRecordCrc()).toBe('javascript');
      // kafkajs's own: `buffer => unsigned(crc32C(buffer))`.
      expect(String(require(CRC_MODULE))).toContain('unsigned(crc32C(buffer))');
    });
  });
});
