import { randomBytes } from 'node:crypto';
import { Partitioners } from 'kafkajs';

/** One step of the run, under load. */
export type Step =
  | { do: 'load'; seconds: number }
  /** SIGKILL a Kafka node (`leader`: the active controller), bring it back after `downSeconds`. */
  | { do: 'kill-broker'; node: number | 'leader'; downSeconds: number }
  /** SIGKILL a position instance, start a new process after `downSeconds`. */
  | { do: 'kill-position'; index: number; downSeconds: number }
  /**
   * Every instance of a service in turn: out of the load, SIGTERM, a new process, back in the load.
   * `servicesAtOnce`: the three services roll at the same time (as a deployment of all three rolls
   * them on Kubernetes), each keeping one instance in the load; else one service after another.
   */
  | { do: 'rolling'; pauseSeconds: number; servicesAtOnce: boolean };

export interface Plan {
  name: 'short' | 'long';
  symbols: number;
  /** Each price-ingest instance's feed sends a request at most this often… */
  intervalMs: number;
  /** …with this many ticks of every symbol. */
  ticksPerSymbol: number;
  steps: Step[];
}

/** `make test`: every fault once, about three minutes on two cores. */
export const SHORT: Plan = {
  name: 'short',
  symbols: 6,
  intervalMs: 100,
  ticksPerSymbol: 2,
  steps: [
    { do: 'load', seconds: 8 },
    { do: 'kill-broker', node: 2, downSeconds: 5 },
    { do: 'load', seconds: 5 },
    { do: 'kill-position', index: 1, downSeconds: 3 },
    { do: 'load', seconds: 5 },
    { do: 'rolling', pauseSeconds: 1, servicesAtOnce: true },
    { do: 'load', seconds: 5 },
  ],
};

/** `make scale-test`: longer load, each fault held longer, two broker crashes (one of them the active controller). */
export const LONG: Plan = {
  name: 'long',
  symbols: 8,
  intervalMs: 100,
  ticksPerSymbol: 2,
  steps: [
    { do: 'load', seconds: 30 },
    { do: 'kill-broker', node: 2, downSeconds: 20 },
    { do: 'load', seconds: 30 },
    { do: 'kill-position', index: 1, downSeconds: 15 },
    { do: 'load', seconds: 30 },
    { do: 'kill-broker', node: 'leader', downSeconds: 20 },
    { do: 'load', seconds: 30 },
    { do: 'kill-position', index: 2, downSeconds: 10 },
    { do: 'load', seconds: 20 },
    { do: 'rolling', pauseSeconds: 8, servicesAtOnce: false },
    { do: 'load', seconds: 30 },
  ],
};

/**
 * `n` new symbols spread over the partitions of `market.ticks` as evenly as the producers' key
 * hashing puts them, so that every position instance has ticks to mark.
 */
export function spreadSymbols(n: number, partitions: number): string[] {
  const partitionOf = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  const perPartition = new Array<number>(partitions).fill(0);
  const limit = Math.ceil(n / partitions);
  const out: string[] = [];
  while (out.length < n) {
    const symbol = `SC${randomBytes(5).toString('hex').toUpperCase()}`;
    const p = partitionOf({ topic: 'market.ticks', partitionMetadata, message: { key: symbol, value: null } });
    if ((perPartition[p] ?? 0) >= limit) continue;
    perPartition[p] = (perPartition[p] ?? 0) + 1;
    out.push(symbol);
  }
  return out;
}
