import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, statement } from '../src/db/sql.js';
import type { MikroORM } from '../src/index.js';
import { openTestOrm } from './support.js';

describe('statements of the hot paths (src/db/sql.ts)', () => {
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await openTestOrm(2);
  });
  afterAll(async () => orm.close());

  it('are prepared once on a connection, then only bound and run, answering as an unprepared query does', async () => {
    const sum = statement('select ?::int + 1 as n, ?::text as t');
    const em = orm.em.fork();
    await em.begin();
    try {
      const prepared = () =>
        query<{ name: string; statement: string }>(em, 'select name, statement from pg_prepared_statements order by name');
      const before = (await prepared()).filter((p) => p.name === sum.name);
      expect(await query(em, sum, [1, 'a'])).toEqual([{ n: 2, t: 'a' }]);
      expect(await query(em, sum, [41, "b'c"])).toEqual([{ n: 42, t: "b'c" }]);
      expect(await query(em, sum.text, [5, 'd'])).toEqual([{ n: 6, t: 'd' }]);
      const after = await prepared();
      // One prepared statement of that text, whatever the number of runs; the plain text left none.
      expect(after.filter((p) => p.name === sum.name)).toEqual([{ name: sum.name, statement: 'select $1::int + 1 as n, $2::text as t' }]);
      expect(before).toEqual([]);
      expect(after.filter((p) => p.name === '')).toEqual([]);
    } finally {
      await em.rollback();
    }
  });

  it('report a failure as an unprepared query does, and leave the connection usable', async () => {
    const divide = statement('select 1 / ?::int as q');
    const em = orm.em.fork();
    await em.begin();
    try {
      await query(em, 'savepoint before_division');
      await expect(query(em, divide, [0])).rejects.toMatchObject({ code: '22012' });
      await query(em, 'rollback to savepoint before_division');
      expect(await query(em, divide, [2])).toEqual([{ q: 0 }]);
    } finally {
      await em.rollback();
    }
  });
});
