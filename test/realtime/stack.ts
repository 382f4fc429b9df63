import { expect } from 'vitest';
import { client } from '../support/http.js';
import { type RunningService, startService } from '../support/services.js';

/** Gateways (each with its own environment), price-ingest and the position service, as processes. */
export interface RealtimeStack {
  gateways: RunningService[];
  ingest: RunningService;
  position: RunningService;
  /** REST on the first gateway. */
  rest: ReturnType<typeof client>;
  /** Posts ticks to price-ingest and checks that every one was accepted. */
  ticks(ticks: { symbol: string; price: string; ts: string }[]): Promise<void>;
  stop(): Promise<void>;
}

// One group for every run of these suites: a new group would first replay all of `market.ticks`.
const POSITION_GROUP = 'e2e-realtime';

export async function startRealtimeStack(gatewayEnvs: Record<string, string>[] = [{}]): Promise<RealtimeStack> {
  const [ingest, position, ...gateways] = await Promise.all([
    startService('price-ingest'),
    startService('position', { CONSUMER_GROUP: POSITION_GROUP }),
    ...gatewayEnvs.map((env) => startService('gateway', env)),
  ]);
  const stack = { ingest, position, gateways } as { ingest: RunningService; position: RunningService; gateways: RunningService[] };
  const ingestApi = client(stack.ingest.url);
  return {
    ...stack,
    rest: client((stack.gateways[0] as RunningService).url),
    ticks: async (ticks) => {
      const r = await ingestApi.post(
        '/api/v1/ticks',
        ticks.map((t) => ({ ...t, source: 'e2e-realtime' })),
      );
      expect(r.status, JSON.stringify(r.body)).toBe(202);
    },
    stop: async () => {
      await Promise.all([stack.ingest, stack.position, ...stack.gateways].map((s) => s.stop()));
    },
  };
}
