/**
 * Fan-out: WebSocket messages/s the gateway delivers to 1,000 subscribers of one campaign, its
 * events published straight to `campaign.events` faster than the subscribers take them (1.5
 * times what the baseline delivered per subscriber); against a `ws` server broadcasting the same
 * message (a `marked` event of a scenario-sized campaign, same bytes) to the same 1,000 clients as
 * fast as they read it. Both serve clients that count frames without parsing them, in a process
 * of their own.
 */
import { performance } from 'node:perf_hooks';
import { campaignPositionsSchema, campaignUpdatedSchema, eventHeaders, totalsSchema } from '@cpt/contracts';
import { TOPICS } from '@cpt/messaging';
import { progress } from './lib/bench-env.js';
import { cannedWs } from './lib/canned.js';
import { type BenchContext, cpuSampler, sleep } from './lib/context.js';
import { startSubscribers } from './lib/ws-subscribers.js';
import type { ClientStats } from './ws-clients.js';

const pct = (share: number) => `${Math.round(share * 100)}%`;

/** The gateway's default WS_MAX_BUFFERED_BYTES: past it, a subscriber's updates are conflated. */
const MAX_BUFFERED_BYTES = 1_048_576;

export async function fanoutStage(ctx: BenchContext, campaignId: string): Promise<void> {
  const gateway = await ctx.services.start('gateway');
  const n = ctx.opts.fanoutSubscribers;
  const seconds = ctx.opts.fanoutSeconds;
  const warmupMs = ctx.opts.quick ? 500 : 2000;

  const res = await fetch(`${gateway.url}/api/v1/campaigns/${campaignId}/positions`, { headers: ctx.key.headers });
  if (res.status !== 200) throw new Error(`GET positions of the fan-out campaign: ${res.status}`);
  const view = campaignPositionsSchema.parse(await res.json());
  const [row] = (await ctx.orm.em.fork().execute('select last_seq::int as seq from campaigns where id = ?', [campaignId])) as {
    seq: number;
  }[];
  let seq = row?.seq ?? 0;
  // Validated once, and serialized once: the load generator's own work per event stays small beside the gateway's.
  const template = campaignUpdatedSchema.parse({
    type: 'campaign_updated',
    campaign_id: campaignId,
    seq: seq + 1,
    version: view.version,
    reason: 'marked',
    totals: totalsSchema.parse(view),
    changed_positions: view.positions,
  });
  // Serialized once: an event differs from the next only by its seq.
  const SEQ = 987654321;
  const parts = JSON.stringify({ ...template, seq: SEQ }).split(`"seq":${SEQ}`);
  if (parts.length !== 2) throw new Error('the fan-out event has no single seq to set');
  const [head, tail] = parts.map((part) => Buffer.from(part)) as [Buffer, Buffer];
  const event = (s: number) => Buffer.concat([head, Buffer.from(`"seq":${s}`), tail]);
  const payload = event(seq + 1).toString();

  // 1. The baseline: `ws` broadcasting the canned message.
  const server = await cannedWs(payload, MAX_BUFFERED_BYTES);
  let baseline: number;
  let baselineCpu: Record<string, number> = {};
  let baselineLoopBusy = 0;
  try {
    progress(`fan-out: ${n} clients of a ws server broadcasting ${Math.round(payload.length / 1024)} KiB messages`);
    const subs = await startSubscribers(
      server.url,
      ctx.key.key,
      Array.from({ length: n }, () => []),
      false,
    );
    progress(`fan-out: ${n} clients connected in ${(subs.connectMs / 1000).toFixed(1)} s`);
    try {
      progress(`fan-out: broadcasting to ${await server.broadcast(true)} clients`);
      await sleep(warmupMs);
      const cpu = cpuSampler(ctx);
      cpu.begin();
      const stats = await subs.measure(seconds * 1000, false);
      baselineCpu = cpu.end();
      progress(`fan-out: ${stats.messages} messages in ${stats.seconds.toFixed(1)} s; stopping the broadcast`);
      await server.broadcast(false);
      baseline = stats.messages / stats.seconds;
      baselineLoopBusy = stats.loopBusy;
    } finally {
      progress('fan-out: closing the clients');
      await subs.close();
    }
  } finally {
    progress('fan-out: closing the ws server');
    await server.close();
  }
  progress(`fan-out: ws broadcast delivered ${Math.round(baseline)} messages/s (the clients' event loop ${pct(baselineLoopBusy)} busy)`);

  // 2. The gateway, its events published to Kafka at 1.5 times the baseline's per-client rate.
  progress(`fan-out: ${n} subscribers of one campaign on the gateway`);
  const subs = await startSubscribers(
    `${gateway.url.replace('http', 'ws')}/api/v1/ws`,
    ctx.key.key,
    Array.from({ length: n }, () => [campaignId]),
    true,
  );
  const producer = ctx.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const rate = Math.min(5000, Math.max(10, (1.5 * baseline) / n));
  let value: number;
  let clientsLoopBusy = 0;
  let published = 0;
  const cpu = cpuSampler(ctx);
  let used: Record<string, number> = {};
  try {
    const start = performance.now();
    let sent = 0;
    let done = false;
    const measured = (async (): Promise<ClientStats> => {
      await sleep(warmupMs);
      cpu.begin();
      try {
        return await subs.measure(seconds * 1000, false);
      } finally {
        used = cpu.end();
        done = true;
      }
    })();
    while (!done) {
      const elapsed = (performance.now() - start) / 1000;
      const due = Math.floor(elapsed * rate) - sent;
      if (due > 0) {
        // With the headers the position service publishes: the gateway forwards the value unparsed.
        const messages = Array.from({ length: due }, () => {
          seq++;
          return {
            key: campaignId,
            value: event(seq),
            headers: eventHeaders(campaignId, seq),
          };
        });
        await producer.send({ topic: TOPICS.campaignEvents, acks: 1, messages });
        sent += due;
      }
      await sleep(10);
    }
    const stats = await measured;
    published = sent;
    value = stats.messages / stats.seconds;
    clientsLoopBusy = stats.loopBusy;
    ctx.details.fanout = {
      subscribers: n,
      messageBytes: payload.length,
      publishedEventsPerSecond: rate,
      published,
      gateway: { messagesPerSecond: value, openSubscribers: stats.open, errors: stats.errors, cpu: used, clientsLoopBusy },
      wsBroadcast: { messagesPerSecond: baseline, cpu: baselineCpu, clientsLoopBusy: baselineLoopBusy },
    };
  } finally {
    await producer.disconnect();
    await subs.close();
  }
  progress(
    `fan-out: the gateway delivered ${Math.round(value)} messages/s (${rate.toFixed(0)} events/s published; the clients' event loop ${pct(clientsLoopBusy)} busy)`,
  );
  ctx.figures.push({
    stage: 'fan-out',
    name: `WebSocket messages delivered to ${n.toLocaleString('en-US')} subscribers`,
    value,
    unit: 'messages/s',
    baseline: { name: '`ws` broadcasting a canned message of the same size', value: baseline },
    target: { text: '≥ 0.85× `ws` broadcasting', met: value >= 0.85 * baseline },
    note: `${Math.round(payload.length / 1024)} KiB each; the clients' event loop ${pct(clientsLoopBusy)} busy, ${pct(baselineLoopBusy)} with \`ws\``,
    cpu: used,
  });
}
