import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { ENTITIES } from '../modules/entities.js';
import { MIGRATIONS } from './migrations/index.js';

/** How to reach PostgreSQL. */
export interface DatabaseOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Most connections this process opens. */
  poolMax?: number;
  /** How long a query may wait for a free connection or for the server to accept one. */
  connectTimeoutMs?: number;
  /** How long one statement may run. */
  statementTimeoutMs?: number;
}

/** The MikroORM options for this schema. */
export function ormOptions(db: DatabaseOptions): Options {
  const connectTimeoutMs = db.connectTimeoutMs ?? 3000;
  return {
    driver: PostgreSqlDriver,
    clientUrl: db.url,
    entities: ENTITIES,
    extensions: [Migrator],
    forceUtcTimezone: true,
    // Connect lazily: a service starts while PostgreSQL is down and reports it through readiness.
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: true },
    pool: { min: 0, max: db.poolMax ?? 10, acquireTimeoutMillis: connectTimeoutMs + 2000 },
    driverOptions: {
      connection: {
        connectionTimeoutMillis: connectTimeoutMs,
        statement_timeout: db.statementTimeoutMs ?? 15_000,
        application_name: 'campaign-position-tracking',
      },
    },
    migrations: {
      migrationsList: MIGRATIONS,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      // Generated migrations (`npm run migration:create`) are named like the hand-written ones.
      fileName: (timestamp: string, name?: string) => `migration-${timestamp}${name ? `-${name}` : ''}`,
      silent: true,
    },
    debug: false,
  };
}

/** Opens the ORM and its connection pool. */
export async function openOrm(db: DatabaseOptions): Promise<MikroORM> {
  return MikroORM.init(ormOptions(db));
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

export { MikroORM };

/** Whether PostgreSQL answers a trivial query within the deadline. */
export function databaseProbe(orm: MikroORM, deadlineMs = 2000): () => Promise<boolean> {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const answer = orm.em
      .fork()
      .execute('select 1')
      .then(() => true)
      .catch(() => false);
    return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
  };
}
