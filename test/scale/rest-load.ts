import type { Fleet } from './fleet.js';
import { sleep } from './fleet.js';
import type { Campaign } from './setup.js';

export interface RestLoadOptions {
  fleet: Fleet;
  campaigns: readonly Campaign[];
  /** Each gateway is read this often (a campaign's positions, now and then the list). */
  readIntervalMs: number;
  /** A stop is moved this often, through the gateways in turn. */
  stopMoveIntervalMs: number;
}

/**
 * What the REST side does meanwhile: reads on both gateways, trailing stops moved through both
 * (structural changes, so `campaign.events` carries more than marks), and every instance's
 * readiness probe once a second. Every answer lands in the run's HTTP log.
 */
export class RestLoad {
  private running = false;
  private loops: Promise<void>[] = [];
  stopMoves = 0;

  constructor(private readonly o: RestLoadOptions) {}

  start(): void {
    this.running = true;
    this.loops = [...this.o.fleet.of('gateway').map((g) => this.reader(g.index)), this.mover(), this.prober()];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async reader(index: number): Promise<void> {
    for (let i = index; this.running; i++) {
      const gw = this.o.fleet.pick('gateway', index);
      const c = this.o.campaigns[i % this.o.campaigns.length] as Campaign;
      if (gw) {
        const auth = { authorization: `Bearer ${c.key}` };
        if (i % 5 === 0) await this.o.fleet.call(gw, 'GET /api/v1/campaigns', '/api/v1/campaigns?limit=50', { headers: auth });
        else await this.o.fleet.call(gw, 'GET /api/v1/campaigns/{id}/positions', `/api/v1/campaigns/${c.id}/positions`, { headers: auth });
      }
      await sleep(this.o.readIntervalMs);
    }
  }

  private async mover(): Promise<void> {
    for (let i = 0; this.running; i++) {
      await sleep(this.o.stopMoveIntervalMs);
      const c = this.o.campaigns[i % this.o.campaigns.length] as Campaign;
      const p = c.positions[Math.floor(i / this.o.campaigns.length) % c.positions.length];
      const gw = this.o.fleet.pick('gateway', 1 + (i % 2));
      if (!p || !gw) continue;
      // LONG stops stay between 5 and 20, SHORT ones between 900 and 1100: never reached by the walk.
      const stop = c.side === 'LONG' ? (5 + Math.random() * 15).toFixed(2) : (900 + Math.random() * 200).toFixed(2);
      const r = await this.o.fleet.call(gw, 'PATCH /api/v1/positions/{id}', `/api/v1/positions/${p}`, {
        method: 'PATCH',
        body: { stop_loss: stop },
        headers: { authorization: `Bearer ${c.key}` },
      });
      if (r?.status === 200) this.stopMoves++;
    }
  }

  private async prober(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      await Promise.all(
        this.o.fleet.instances.filter((i) => i.serving).map((i) => this.o.fleet.call(i, 'GET /health/ready', '/health/ready')),
      );
      await sleep(Math.max(0, 1000 - (Date.now() - started)));
    }
  }
}
