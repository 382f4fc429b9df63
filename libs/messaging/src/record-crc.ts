import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

/** The file kafkajs's record batches take their CRC-32C from, and the encoder that requires it. */
const KAFKAJS_CRC = 'kafkajs/src/protocol/recordBatch/crc32C/index.js';
const KAFKAJS_RECORD_BATCH = 'kafkajs/src/protocol/recordBatch/v0/index.js';

/** The CRC-32C (Castagnoli) of a buffer, unsigned. */
export type Crc32c = (buffer: Buffer) => number;

/** kafkajs's own CRC-32C: JavaScript, one table lookup a byte. */
export const javascriptCrc32c: Crc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as Crc32c;

const loadNative = (): Crc32c | undefined => {
  try {
    const { crc32c } = require('@node-rs/crc32') as { crc32c(input: Buffer, initialState?: number): number };
    return (buffer) => crc32c(buffer);
  } catch {
    // No prebuilt binary for this platform: kafkajs's own stays.
    return undefined;
  }
};

/** The native CRC-32C of `@node-rs/crc32` (SSE 4.2 or ARMv8 instructions), when its binary loads here. */
export const nativeCrc32c: Crc32c | undefined = loadNative();

let installed: 'native' | 'javascript' | undefined;

/**
 * Makes kafkajs checksum the record batches it produces with {@link nativeCrc32c}: every record
 * batch carries the CRC-32C of its records, and kafkajs computes it in JavaScript a byte at a time
 * (about 0.4 GB/s here, against 5 GB/s native). For the position service, whose `marked` events
 * carry an entry a position, that was 9% of its time at 100,000 open positions (bench/README.md).
 *
 * kafkajs offers no option for it, so the module it requires the function from is put in Node's
 * module cache, with the same exports, before any record batch is encoded (kafkajs loads its
 * encoder on the first produce). Idempotent; answers which CRC the record batches of this process
 * use. Too late (`javascript`) when a record batch was encoded before the first call.
 */
export function useNativeRecordCrc(): 'native' | 'javascript' {
  installed ??= install();
  return installed;
}

function install(): 'native' | 'javascript' {
  const native = nativeCrc32c;
  const crcPath = require.resolve(KAFKAJS_CRC);
  if (native && require.cache[crcPath]?.exports === native) return 'native';
  if (!native || require.cache[require.resolve(KAFKAJS_RECORD_BATCH)]) return 'javascript';
  const replacement = new Module(crcPath);
  replacement.filename = crcPath;
  replacement.loaded = true;
  replacement.exports = native;
  require.cache[crcPath] = replacement;
  return 'native';
}

/** The CRC-32C kafkajs's record batch encoder calls, as loaded now (loads it). */
export function recordBatchCrc(): Crc32c {
  return require(KAFKAJS_CRC) as Crc32c;
}
