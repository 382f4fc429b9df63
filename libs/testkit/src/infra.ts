import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the tests find PostgreSQL and Kafka. */
export interface TestInfra {
  databaseUrl: string;
  kafkaBrokers: string[];
  /** How the infrastructure was found: `env`, `testcontainers` or `local`. */
  source: 'env' | 'testcontainers' | 'local';
  stop: () => Promise<void>;
}

/** The repository root, found from this file's location. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'deploy', 'local', 'infra.sh'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (deploy/local/infra.sh)');
    dir = up;
  }
  return dir;
}

function dockerSocket(): string | undefined {
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  if (host) return undefined;
  return '/var/run/docker.sock';
}

/** Whether a Docker engine answers, so testcontainers can serve. */
async function dockerEngineReachable(): Promise<boolean> {
  if (process.env.TESTCONTAINERS_DISABLED === 'true') return false;
  const socket = dockerSocket();
  if (process.env.DOCKER_HOST && !socket) return true;
  if (!socket || !existsSync(socket)) return false;
  return new Promise((done) => {
    const s = connect(socket);
    const finish = (ok: boolean) => {
      s.destroy();
      done(ok);
    };
    s.setTimeout(1000, () => finish(false));
    s.once('error', () => finish(false));
    s.once('connect', () => {
      s.write('GET /_ping HTTP/1.0\r\n\r\n');
      s.once('data', (d) => finish(d.toString().includes('200')));
    });
  });
}

/**
 * Finds the infrastructure the tests run against: `DATABASE_URL` and `KAFKA_BROKERS` when set;
 * else testcontainers when a Docker engine is reachable; else the project's own local services
 * (`deploy/local/infra.sh up`), which it starts if they are not running.
 */
export async function resolveInfra(): Promise<TestInfra> {
  const envDb = process.env.DATABASE_URL;
  const envKafka = process.env.KAFKA_BROKERS;
  if (envDb && envKafka) {
    return { databaseUrl: envDb, kafkaBrokers: envKafka.split(','), source: 'env', stop: async () => {} };
  }
  if (await dockerEngineReachable()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const [pg, kafka] = await Promise.all([
      new PostgreSqlContainer('postgres:15').withDatabase('campaigns_test').start(),
      new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start(),
    ]);
    return {
      databaseUrl: envDb ?? pg.getConnectionUri(),
      kafkaBrokers: envKafka?.split(',') ?? [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
      source: 'testcontainers',
      stop: async () => {
        await Promise.all([pg.stop(), kafka.stop()]);
      },
    };
  }
  const root = repoRoot();
  await run(resolve(root, 'deploy/local/infra.sh'), ['up'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const { stdout } = await run(resolve(root, 'deploy/local/env.sh'), [], { cwd: root });
  const vars = Object.fromEntries(
    stdout
      .split('\n')
      .map((l) => /^export (\w+)=(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  ) as Record<string, string>;
  return {
    databaseUrl: envDb ?? (vars.TEST_DATABASE_URL as string),
    kafkaBrokers: envKafka?.split(',') ?? (vars.KAFKA_BROKERS as string).split(','),
    source: 'local',
    // The local services are shared with `make up`; they are left running.
    stop: async () => {},
  };
}
