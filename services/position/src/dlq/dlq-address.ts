/** Where a message of a topic is: its partition and offset. */
export interface Address {
  partition: number;
  offset: bigint;
}

/** The offsets a partition holds now: from `low` (the oldest kept) to `high` (the next to be written). */
export interface Bounds {
  low: bigint;
  high: bigint;
}

/** An address as written on the command line and printed by `list`: `<partition>:<offset>`, or an offset alone. */
export type AddressArg = { partition: number | undefined; offset: bigint };

/** Parses `3:17` or `17`; undefined when the text is neither. */
export function parseAddress(text: string): AddressArg | undefined {
  const m = /^(?:(\d{1,9}):)?(\d{1,19})$/.exec(text.trim());
  if (!m) return undefined;
  return { partition: m[1] === undefined ? undefined : Number(m[1]), offset: BigInt(m[2] as string) };
}

export const formatAddress = (a: Address): string => `${a.partition}:${a.offset}`;

/**
 * The message an address names among the partitions' bounds: an offset alone is accepted when one
 * partition only holds it (offsets count per partition, so several usually do). Throws with a
 * message for the operator otherwise.
 */
export function resolveAddress(topic: string, bounds: ReadonlyMap<number, Bounds>, arg: AddressArg): Address {
  const holds = (p: number) => {
    const b = bounds.get(p);
    return b !== undefined && arg.offset >= b.low && arg.offset < b.high;
  };
  if (arg.partition !== undefined) {
    const b = bounds.get(arg.partition);
    if (b === undefined)
      throw new Error(`${topic} has no partition ${arg.partition} (it has ${[...bounds.keys()].sort((x, y) => x - y).join(', ')})`);
    if (!holds(arg.partition)) {
      const range = b.low === b.high ? 'no message' : `offsets ${b.low} to ${b.high - 1n}`;
      throw new Error(`${topic} partition ${arg.partition} holds ${range}, not ${arg.offset}`);
    }
    return { partition: arg.partition, offset: arg.offset };
  }
  const candidates = [...bounds.keys()].filter(holds).sort((x, y) => x - y);
  if (candidates.length === 0) throw new Error(`no partition of ${topic} holds offset ${arg.offset}`);
  if (candidates.length > 1) {
    throw new Error(
      `offset ${arg.offset} is in ${candidates.length} partitions of ${topic}: name one as <partition>:<offset> (${candidates.map((p) => `${p}:${arg.offset}`).join(', ')}; \`list\` prints them)`,
    );
  }
  return { partition: candidates[0] as number, offset: arg.offset };
}
