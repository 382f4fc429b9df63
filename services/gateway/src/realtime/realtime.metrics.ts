import { counter, gauge, type MetricsRegistry } from '@cpt/platform';
import type { RealtimeStats } from './realtime-routes.js';

/**
 * The WebSocket metrics, read from the endpoint's own counts at each scrape: nothing is added to
 * the path of a frame. The counters are the totals since the process started.
 */
export function registerRealtimeMetrics(registry: MetricsRegistry, stats: () => RealtimeStats): void {
  gauge(registry, {
    name: 'cpt_ws_connections',
    help: 'Open WebSocket connections.',
    collect() {
      this.set(stats().connections);
    },
  });
  gauge(registry, {
    name: 'cpt_ws_subscriptions',
    help: 'Campaigns followed over the open WebSocket connections (one per connection and campaign).',
    collect() {
      this.set(stats().subscriptions);
    },
  });
  counter(registry, {
    name: 'cpt_ws_messages_sent_total',
    help: 'WebSocket frames written to clients: snapshots, updates (conflated ones included), resumed, errors, pongs.',
    collect() {
      this.reset();
      this.inc(stats().sent);
    },
  });
  counter(registry, {
    name: 'cpt_ws_updates_conflated_total',
    help: 'campaign_updated events merged into a pending update for a client that fell behind, instead of being sent one by one.',
    collect() {
      this.reset();
      this.inc(stats().merged);
    },
  });
  counter(registry, {
    name: 'cpt_ws_disconnects_total',
    help: 'WebSocket connections closed by the server, by reason: slow_client (4008), key_revoked (4401), missed_heartbeat.',
    labelNames: ['reason'] as const,
    collect() {
      const s = stats();
      this.reset();
      this.inc({ reason: 'slow_client' }, s.slowClosed);
      this.inc({ reason: 'key_revoked' }, s.keyClosed);
      this.inc({ reason: 'missed_heartbeat' }, s.heartbeatClosed);
    },
  });
  counter(registry, {
    name: 'cpt_campaign_events_received_total',
    help: 'campaign.events messages the gateway consumed, by outcome: delivered (new, handed to subscribers), duplicate (republished, dropped), invalid (skipped).',
    labelNames: ['outcome'] as const,
    collect() {
      const { hub } = stats();
      this.reset();
      this.inc({ outcome: 'delivered' }, hub.delivered);
      this.inc({ outcome: 'duplicate' }, hub.duplicates);
      this.inc({ outcome: 'invalid' }, hub.invalid);
    },
  });
  counter(registry, {
    name: 'cpt_campaign_events_unparsed_total',
    help: 'campaign.events messages the gateway took by their campaign and seq headers and forwarded without parsing their value.',
    collect() {
      this.reset();
      this.inc(stats().hub.unparsed);
    },
  });
  counter(registry, {
    name: 'cpt_campaign_event_gaps_total',
    help: "Events that arrived with a seq past the next expected one (an event lost between Kafka and the gateway): that campaign's subscribers get a fresh snapshot.",
    collect() {
      this.reset();
      this.inc(stats().hub.gaps);
    },
  });
}
