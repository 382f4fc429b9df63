import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../src/db/sql.js';
import { CampaignCommands, type MikroORM } from '../src/index.js';
import { selectPending } from '../src/modules/outbox/outbox.repository.js';
import { newCaller, newCampaign, openTestOrm } from './support.js';

describe('the outbox relay reads pending events', () => {
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(async () => orm.close());

  it('in the order of their ids where the ids cross a power of ten, not in the order of their text', async () => {
    const caller = await newCaller(orm);
    const campaign = await newCampaign(new CampaignCommands(orm.em), caller, 'LONG');
    const em = orm.em.fork();
    await em.begin();
    try {
      // The next ids are 10^k − 1, 10^k and 10^k + 1 ("999…9" sorts after "1000…0" as text).
      // A sequence only moves forward: the ids of other tests are not disturbed.
      const [row] = await query<{ last: string }>(em, 'select last_value::text as last from campaign_events_id_seq');
      let power = 10n ** BigInt(String(BigInt(row?.last ?? '1') + 3n).length);
      if (power - 2n <= BigInt(row?.last ?? '1')) power *= 10n;
      await query(em, "select setval('campaign_events_id_seq', ?::bigint)", [String(power - 2n)]);
      for (const seq of [1, 2, 3]) {
        await query(em, "insert into campaign_events (campaign_id, seq, payload, created_at) values (?, ?, '{}', now())", [
          campaign.id,
          100 + seq,
        ]);
      }
      const mine = (await selectPending(em, 1_000_000)).filter((e) => e.campaign_id === campaign.id);
      expect(mine.map((e) => e.id)).toEqual([String(power - 1n), String(power), String(power + 1n)]);
    } finally {
      await em.rollback();
    }
  });
});
