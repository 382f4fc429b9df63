/**
 * REST: `GET /api/v1/campaigns/{id}/positions` of the gateway process for campaigns of 150 and
 * 1,000 positions (a fifth closed), with autocannon: latency over one connection (p50, p99, each
 * response timed to the microsecond) and requests/s over several; against fastify, in a process
 * of its own, answering the same bytes canned.
 */
import autocannon from 'autocannon';
import { percentiles, progress } from './lib/bench-env.js';
import { cannedHttp } from './lib/canned.js';
import { type BenchContext, cpuSampler } from './lib/context.js';

interface Run {
  cpu?: Record<string, number>;
  requestsPerSecond: number;
  latencyMs: Record<string, number>;
  non2xx: number;
  errors: number;
}

/** autocannon over `connections` for `seconds`, each request with the headers given (the API key). */
function cannon(url: string, headers: Record<string, string>, connections: number, seconds: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const tracker = autocannon({ url, headers, connections, duration: seconds, pipelining: 1 }, (err, result) => {
      if (err) return reject(err);
      resolve({
        requestsPerSecond: result.requests.total / (result.duration || seconds),
        latencyMs: percentiles(times, [50, 90, 99]),
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      });
    });
    tracker.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status === 200) times.push(ms);
    });
  });
}

export async function restStage(ctx: BenchContext, readCampaigns: Map<number, string>): Promise<void> {
  const gateway = await ctx.services.start('gateway');
  const seconds = ctx.opts.restSeconds;
  const warmup = ctx.opts.quick ? 0.5 : Math.max(1, Math.ceil(seconds / 5));
  const details: Record<string, unknown> = {};
  for (const [size, id] of readCampaigns) {
    const url = `${gateway.url}/api/v1/campaigns/${id}/positions`;
    const headers = ctx.key.headers;
    const res = await fetch(url, { headers });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.slice(0, 200)}`);
    const canned = await cannedHttp(body);
    try {
      const cannedUrl = `${canned.url}/api/v1/campaigns/${id}/positions`;
      const results: Record<string, { one: Run; many: Run }> = {};
      for (const [name, target] of [
        ['gateway', url],
        ['canned', cannedUrl],
      ] as const) {
        progress(
          `rest: ${size} positions (${Math.round(body.length / 1024)} KiB), ${name}: 1 connection, then ${ctx.opts.restConnections}`,
        );
        await cannon(target, headers, 1, warmup);
        const one = await cannon(target, headers, 1, seconds);
        const cpu = cpuSampler(ctx);
        cpu.begin();
        const many = await cannon(target, headers, ctx.opts.restConnections, seconds);
        many.cpu = cpu.end();
        results[name] = { one, many };
      }
      const g = results.gateway as { one: Run; many: Run };
      const c = results.canned as { one: Run; many: Run };
      const label = `${size.toLocaleString('en-US')} positions`;
      ctx.figures.push(
        {
          stage: 'REST',
          name: `GET …/positions p50, ${label}, 1 connection`,
          value: g.one.latencyMs.p50 ?? Number.NaN,
          unit: 'ms',
          baseline: { name: 'fastify, canned body of the same size', value: c.one.latencyMs.p50 ?? Number.NaN },
          note: `${Math.round(body.length / 1024)} KiB`,
        },
        {
          stage: 'REST',
          name: `GET …/positions p99, ${label}, 1 connection`,
          value: g.one.latencyMs.p99 ?? Number.NaN,
          unit: 'ms',
          baseline: { name: 'fastify, canned body of the same size', value: c.one.latencyMs.p99 ?? Number.NaN },
          ...(size === 1000 ? { target: { text: '≤ 20 ms', met: (g.one.latencyMs.p99 ?? Number.POSITIVE_INFINITY) <= 20 } } : {}),
        },
        {
          stage: 'REST',
          name: `GET …/positions, ${label}, ${ctx.opts.restConnections} connections`,
          value: g.many.requestsPerSecond,
          unit: 'req/s',
          baseline: { name: 'fastify, canned body of the same size', value: c.many.requestsPerSecond },
          note: `p99 ${g.many.latencyMs.p99?.toFixed(1)} ms`,
          ...(g.many.cpu ? { cpu: g.many.cpu } : {}),
        },
      );
      details[String(size)] = { bytes: body.length, ...results };
      progress(
        `rest: ${size} positions: p50 ${g.one.latencyMs.p50?.toFixed(2)} / p99 ${g.one.latencyMs.p99?.toFixed(2)} ms, ${Math.round(g.many.requestsPerSecond)} req/s; canned ${c.one.latencyMs.p50?.toFixed(2)} / ${c.one.latencyMs.p99?.toFixed(2)} ms, ${Math.round(c.many.requestsPerSecond)} req/s`,
      );
    } finally {
      await canned.close();
    }
  }
  ctx.details.rest = details;
}
