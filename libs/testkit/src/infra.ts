import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
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

/** PostgreSQL 15 in a container: `postgres:15`, or `TESTKIT_POSTGRES_IMAGE` (an image with its interface). */
async function startPostgres() {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  return new PostgreSqlContainer(process.env.TESTKIT_POSTGRES_IMAGE || 'postgres:15').withDatabase('campaigns_test').start();
}

/** A port no process listens on now, for a container to publish as itself. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A single-node Kafka (KRaft) in a container: the image of docker-compose.yml, `apache/kafka:4.4.0`,
 * or `TESTKIT_KAFKA_IMAGE` (an image with its interface: every KAFKA_* variable a server property).
 * Its one client listener is published on the same port number on the host, so that the address the
 * broker advertises is the one the tests reach it at.
 */
async function startKafka() {
  const { GenericContainer, Wait } = await import('testcontainers');
  const port = await freePort();
  const container = await new GenericContainer(process.env.TESTKIT_KAFKA_IMAGE || 'apache/kafka:4.4.0')
    .withEnvironment({
      CLUSTER_ID: '4L6g3nShT-eMCtK--X86sw',
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
      KAFKA_LOG_DIRS: '/var/lib/kafka/data',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_NUM_PARTITIONS: '6',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withExposedPorts({ container: port, host: port })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
  return { container, broker: `127.0.0.1:${port}` };
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
    const [pg, kafka] = await Promise.all([startPostgres(), startKafka()]);
    return {
      databaseUrl: envDb ?? pg.getConnectionUri(),
      kafkaBrokers: envKafka?.split(',') ?? [kafka.broker],
      source: 'testcontainers',
      stop: async () => {
        await Promise.all([pg.stop(), kafka.container.stop()]);
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
