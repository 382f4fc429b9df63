import { randomUUID } from 'node:crypto';
import { waitFor } from '@cpt/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { at, createCampaign, get, openPosition } from './api.js';
import { upgradeStatus, WsProbe } from './realtime-probe.js';
import { type RealtimeGateway, startRealtimeGateway, TestRelay } from './realtime-support.js';

const symbol = () => `WS${randomUUID().slice(0, 8).toUpperCase()}`;
const spring = { pattern_type: 'SPRING', entry_price: '1.2500', shares: '8000', stop_loss: '1.2450', entry_date: at('09:00') };

/** A client that, as the dashboard's does, tries again (every 100 ms) until its upgrade is accepted, then subscribes. */
class PatientSubscriber {
  refused = 0;
  probe: WsProbe | undefined;
  private stopped = false;
  readonly done: Promise<void>;

  constructor(url: string, campaignId: string) {
    this.done = (async () => {
      while (!this.stopped) {
        try {
          this.probe = await WsProbe.open(url);
          this.probe.subscribe([campaignId]);
          return;
        } catch {
          this.refused++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
  }

  /** The seq of the last snapshot or update it received for the campaign. */
  lastSeq(campaignId: string): number {
    return this.probe?.lastSeq(campaignId) ?? -1;
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.done;
    this.probe?.ws.close();
  }
}

// A drill restarted a gateway: it accepted subscriptions before its events consumer was in place,
// and an event published in that window never reached it (a new group starts at the end of the
// topic); the subscriber caught up only when a later event revealed the gap.
describe('a gateway whose events consumer is not in place yet', () => {
  let gw: RealtimeGateway | undefined;
  let relay: TestRelay | undefined;
  let client: PatientSubscriber | undefined;
  afterEach(async () => {
    await client?.close();
    await Promise.all([gw?.close(), relay?.close()]);
    [gw, relay, client] = [undefined, undefined, undefined];
  });

  it('gives a subscriber every event committed after its snapshot, with no later event to reveal a gap', async () => {
    [gw, relay] = await Promise.all([startRealtimeGateway({ startEvents: false }), TestRelay.open()]);
    const g = gw;
    const { id } = await createCampaign(g.app, { symbol: symbol() });
    // The client arrives in the window, and is either refused or answered with a snapshot (seq 0).
    client = new PatientSubscriber(g.wsUrl, id);
    const c = client;
    await waitFor(() => c.refused > 0 || c.lastSeq(id) >= 0, { what: 'the client to be refused or answered' });
    // A change committed and published to campaign.events before the consumer started.
    await relay.around([id], () => openPosition(g.app, id, spring));
    await g.events.start();
    await waitFor(() => g.events.ready(), { timeoutMs: 30_000, what: 'the events consumer to be in place' });

    // Nothing more happens to the campaign: the subscriber must hold seq 1 all the same.
    await waitFor(() => c.lastSeq(id) >= 1, { timeoutMs: 10_000, what: 'the subscriber to hold seq 1' });
    expect(c.refused).toBeGreaterThan(0);
    const frames = c.probe?.of(id) ?? [];
    expect(frames.map((f) => [f.type, f.seq])).toEqual([['snapshot', 1]]);
  });

  it('refuses WebSocket upgrades with 503 unavailable and answers not ready, until it is in place', async () => {
    gw = await startRealtimeGateway({ startEvents: false });
    const refused = await upgradeStatus(gw.wsUrl);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error).toMatchObject({ code: 'unavailable' });
    expect((await get(gw.app, '/health/ready')).statusCode).toBe(503);

    await gw.events.start();
    const g = gw;
    await waitFor(() => g.events.ready(), { timeoutMs: 30_000, what: 'the events consumer to be in place' });
    expect((await upgradeStatus(gw.wsUrl)).status).toBe(101);
    expect((await get(gw.app, '/health/ready')).statusCode).toBe(200);
  });
});
