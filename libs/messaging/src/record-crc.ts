import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

/** The file kafkajs's record batches take their CRC-32C from, and the encoder that requires it. */
const KAFKAJS_CRC = 'kafkajs/src/protocol/recordBatch/crc32C/index.js';
const KAFKAJS_RECORD_BATCH = 'kafkajs/src/protocol/recordBatch/v0/index.js';

/** The CRC-32C (Castagnoli) of a buffer, unsigned. */
export type Crc32c = (buffer: Buffer) => number;

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
 * module cache, exporting the native function (same signature), before any record batch is
 * encoded (kafkajs loads its encoder on the first produce). Idempotent; answers which CRC the
 * record batches of this process use: `javascript`, kafkajs's own, when the binary does not load,
 * when a record batch was encoded before the first call, or when kafkajs's files are not where
 * kafkajs 2.2.4 has them. It never fails.
 */
export function useNativeRecordCrc(): 'native' | 'javascript' {
  installed ??= install();
  return installed;
}

function install(): 'native' | 'javascript' {
  const native = nativeCrc32c;
  if (!native) return 'javascript';
  let crcPath: string;
  let encoderPath: string;
  try {
    crcPath = require.resolve(KAFKAJS_CRC);
    encoderPath = require.resolve(KAFKAJS_RECORD_BATCH);
  } catch {
    return 'javascript';
  }
  if (require.cache[crcPath]?.exports === native) return 'native';
  if (require.cache[encoderPath]) return 'javascript';
  const replacement = new Module(crcPath);
  replacement.filename = crcPath;
  replacement.loaded = true;
  replacement.exports = native;
  require.cache[crcPath] = replacement;
  return 'native';
}
