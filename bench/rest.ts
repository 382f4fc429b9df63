/**
 * REST: `GET /api/v1/campaigns/{id}/positions` of the gateway process for campaigns of 150 and
 * 1,000 positions (a fifth closed), with autocannon: latency over one connection (p50, p99, each
 * response timed to the microsecond) and requests/s over several; against fastify, in a process
 * of its own, answering the same bytes canned. The campaigns do not change during the stage, so
 * the gateway answers from the body it kept (`READ_CACHE_BYTES`); a second gateway process that
 * keeps nothing (`READ_CACHE_BYTES=0`) is measured beside it on the 1,000 positions: what every read
 * costs when each one follows a change of the campaign.
 */
import autocannon from 'autocannon';
import { launchService, type RunningService } from '../libs/testkit/src/services.js';
import { BENCH_SERVICE_ENV, percentiles, progress } from './lib/bench-env.js';
import { cannedHttp } from './lib/canned.js';
import { type BenchContext, cpuSampler } from './lib/context.js';
import { pidOnPort } from './lib/cpu.js';

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
  let renderer: RunningService | undefined;
  try {
    for (const [size, id] of readCampaigns) {
      const path = `/api/v1/campaigns/${id}/positions`;
      const url = `${gateway.url}${path}`;
      const headers = ctx.key.headers;
      const res = await fetch(url, { headers });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.slice(0, 200)}`);
      const targets: [string, string][] = [['gateway', url]];
      if (size === 1000) {
        renderer ??= await launchService('gateway', {
          databaseUrl: ctx.databaseUrl,
          kafkaBrokers: ctx.brokers,
          env: { ...BENCH_SERVICE_ENV, LOG_LEVEL: ctx.opts.logLevel ?? 'info', READ_CACHE_BYTES: '0' },
        });
        const again = await fetch(`${renderer.url}${path}`, { headers });
        if ((await again.text()) !== body) throw new Error(`GET ${path}: the gateway that keeps nothing answers other bytes`);
        targets.push(['rendered', `${renderer.url}${path}`]);
      }
      const canned = await cannedHttp(body);
      try {
        targets.push(['canned', `${canned.url}${path}`]);
        const results: Record<string, { one: Run; many: Run }> = {};
        for (const [name, target] of targets) {
          progress(
            `rest: ${size} positions (${Math.round(body.length / 1024)} KiB), ${name}: 1 connection, then ${ctx.opts.restConnections}`,
          );
          await cannon(target, headers, 1, warmup);
          const one = await cannon(target, headers, 1, seconds);
          const rendererPid = renderer ? pidOnPort(Number(new URL(renderer.url).port)) : undefined;
          const cpu = cpuSampler(ctx, rendererPid === undefined ? {} : { 'gateway, keeps nothing': { pid: rendererPid } });
          cpu.begin();
          const many = await cannon(target, headers, ctx.opts.restConnections, seconds);
          many.cpu = cpu.end();
          results[name] = { one, many };
        }
        const c = results.canned as { one: Run; many: Run };
        const baseline = (pick: (r: Run) => number) => ({ name: 'fastify, canned body of the same size', value: pick(c.one) });
        const label = `${size.toLocaleString('en-US')} positions`;
        for (const [name, r] of Object.entries(results)) {
          if (name === 'canned') continue;
          const kept = name === 'gateway';
          const what = kept ? '' : ', rendered every read (READ_CACHE_BYTES=0)';
          const gated = kept && size === 1000;
          ctx.figures.push(
            {
              stage: 'REST',
              name: `GET …/positions p50, ${label}, 1 connection${what}`,
              value: r.one.latencyMs.p50 ?? Number.NaN,
              unit: 'ms',
              baseline: baseline((x) => x.latencyMs.p50 ?? Number.NaN),
              note: `${Math.round(body.length / 1024)} KiB`,
            },
            {
              stage: 'REST',
              name: `GET …/positions p99, ${label}, 1 connection${what}`,
              value: r.one.latencyMs.p99 ?? Number.NaN,
              unit: 'ms',
              baseline: baseline((x) => x.latencyMs.p99 ?? Number.NaN),
              ...(gated ? { target: { text: '≤ 8 ms', met: (r.one.latencyMs.p99 ?? Number.POSITIVE_INFINITY) <= 8 } } : {}),
            },
            {
              stage: 'REST',
              name: `GET …/positions, ${label}, ${ctx.opts.restConnections} connections${what}`,
              value: r.many.requestsPerSecond,
              unit: 'req/s',
              baseline: { name: 'fastify, canned body of the same size', value: c.many.requestsPerSecond },
              note: `p99 ${r.many.latencyMs.p99?.toFixed(1)} ms`,
              ...(gated
                ? { target: { text: '≥ 0.25× the canned body', met: r.many.requestsPerSecond >= 0.25 * c.many.requestsPerSecond } }
                : {}),
              ...(r.many.cpu ? { cpu: r.many.cpu } : {}),
            },
          );
          progress(
            `rest: ${size} positions, ${name}: p50 ${r.one.latencyMs.p50?.toFixed(2)} / p99 ${r.one.latencyMs.p99?.toFixed(2)} ms, ${Math.round(r.many.requestsPerSecond)} req/s; canned ${c.one.latencyMs.p50?.toFixed(2)} / ${c.one.latencyMs.p99?.toFixed(2)} ms, ${Math.round(c.many.requestsPerSecond)} req/s`,
          );
        }
        details[String(size)] = { bytes: body.length, ...results };
      } finally {
        await canned.close();
      }
    }
  } finally {
    await renderer?.stop();
  }
  ctx.details.rest = details;
}
