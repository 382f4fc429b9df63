import { createServer, type Server, type Socket } from 'node:net';
import { UnavailableError } from '@cpt/domain';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyDatabaseError, isDatabaseUnavailable, type MikroORM, openOrm } from '../src/index.js';
import { openTestOrm, testDatabaseUrl } from './support.js';

/**
 * The errors PostgreSQL going away really produces, through pg and MikroORM as the services use
 * them, each classified as the contract's `unavailable` (503) rather than `internal` (500).
 */
let orm: MikroORM;
let admin: pg.Client;
beforeAll(async () => {
  orm = await openTestOrm(2);
  admin = new pg.Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await orm?.close(true);
});

/** Runs `work` and returns what it threw. */
async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

const expectUnavailable = (err: unknown) => {
  expect(isDatabaseUnavailable(err), String(err)).toBe(true);
  expect(classifyDatabaseError(err)).toBeInstanceOf(UnavailableError);
};

describe('a database connection that goes away', () => {
  // What a drill saw: the server ended the connection between two statements of a command's
  // transaction, and the next statement failed with pg's "not queryable" (answered 500 then).
  it('between two statements of a transaction: the next one fails, and that is unavailable', async () => {
    const err = await failure(() =>
      orm.em.fork().transactional(async (tx) => {
        const [row] = await tx.execute<{ pid: number }[]>('select pg_backend_pid() as pid');
        await admin.query('select pg_terminate_backend($1)', [row?.pid]);
        // The server's notice of termination reaches the idle client first.
        await new Promise((r) => setTimeout(r, 300));
        await tx.execute('select 1');
      }),
    );
    expect(String((err as Error).message)).toMatch(/not queryable|Connection terminated/);
    expectUnavailable(err);
  });

  it('during a statement: 57P01, unavailable', async () => {
    const err = await failure(() =>
      orm.em.fork().transactional(async (tx) => {
        const [row] = await tx.execute<{ pid: number }[]>('select pg_backend_pid() as pid');
        setTimeout(() => void admin.query('select pg_terminate_backend($1)', [row?.pid]), 200);
        await tx.execute('select pg_sleep(5)');
      }),
    );
    expectUnavailable(err);
  });

  it('and a genuine SQL error stays what it is', async () => {
    const err = await failure(() => orm.em.fork().execute('select 1 / 0'));
    expect(isDatabaseUnavailable(err)).toBe(false);
    expect(classifyDatabaseError(err)).toBe(err);
  });
});

describe('a database that cannot be reached', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((done) => silent.close(done));
  });

  it.each([
    ['refuses connections', () => 'postgres://campaigns:campaigns@127.0.0.1:1/campaigns_test'],
    ['accepts them and never answers', () => `postgres://campaigns:campaigns@127.0.0.1:${(silent.address() as { port: number }).port}/x`],
  ])('%s: unavailable', async (_what, url) => {
    const unreachable = await openOrm({ url: url(), poolMax: 1, connectTimeoutMs: 300 }).catch((e: unknown) => e);
    if (unreachable instanceof Error) return expectUnavailable(unreachable);
    try {
      expectUnavailable(await failure(() => (unreachable as MikroORM).em.fork().execute('select 1')));
    } finally {
      await (unreachable as MikroORM).close(true);
    }
  });
});
