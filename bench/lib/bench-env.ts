import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type MikroORM, migrate, openOrm } from '@cpt/application';
import { createTestKey, type TestKey } from '../../libs/testkit/src/access.js';
import { repoRoot } from '../../libs/testkit/src/infra.js';

/**
 * What the benchmark sets in the environment of every service it starts, besides what
 * `launchService` sets: a rate limit no run reaches (the limit must never shape a figure; the
 * services' defaults are 2,000 requests per second per key for the gateway and 1,000 for
 * price-ingest, and the benchmark's clients share one key), and the production key cache (5 s;
 * `launchService` shortens it for the revocation tests).
 */
export const BENCH_SERVICE_ENV: Readonly<Record<string, string>> = { RATE_LIMIT_MAX: '1000000000', KEY_CACHE_MS: '5000' };

/**
 * The benchmark's API key: an account of its own and a key with all four scopes, hashed under the
 * secret `launchService` gives the services. Every client of a run presents it; the scenario's
 * campaigns belong to its account.
 */
export const benchKey = (orm: MikroORM): Promise<TestKey> => createTestKey(orm, { name: 'bench' });

/** `Authorization: Bearer …` of a key. */
export const bearer = (key: string): { authorization: string } => ({ authorization: `Bearer ${key}` });

/** The local infrastructure's addresses (deploy/local/env.sh), after making sure it runs. */
export function localInfra(): { adminUrl: string; kafkaBrokers: string[] } {
  const root = repoRoot();
  execFileSync(join(root, 'deploy/local/infra.sh'), ['up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const vars = Object.fromEntries(
    execFileSync(join(root, 'deploy/local/env.sh'), [], { encoding: 'utf8' })
      .split('\n')
      .map((l) => /^export (\w+)=(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  ) as Record<string, string>;
  return { adminUrl: vars.DATABASE_URL as string, kafkaBrokers: (vars.KAFKA_BROKERS as string).split(',') };
}

/** Drops and recreates a scratch database (its name must contain "bench"), migrated. */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  if (!name.includes('bench')) throw new Error(`refusing to wipe ${name}: a bench database's name contains "bench"`);
  const admin = await openOrm({ url: adminUrl, poolMax: 1 });
  try {
    await admin.em.fork().execute(`drop database if exists ${name} with (force)`, [], 'run');
    await admin.em.fork().execute(`create database ${name}`, [], 'run');
  } finally {
    await admin.close(true);
  }
  const url = adminUrl.replace(/\/[^/]+$/, `/${name}`);
  const orm = await openOrm({ url, poolMax: 1 });
  try {
    await migrate(orm);
  } finally {
    await orm.close(true);
  }
  return url;
}

/** Percentiles of a sample, in the sample's unit. */
export function percentiles(sample: number[], ps: number[] = [50, 90, 99, 99.9]): Record<string, number> {
  const s = [...sample].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
  return Object.fromEntries([...ps.map((p) => [`p${p}`, at(p)]), ['max', s.at(-1) ?? Number.NaN], ['n', s.length]]);
}

/** One progress line on stderr. */
export const progress = (msg: string): void => {
  process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
};
