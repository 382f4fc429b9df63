import type { CampaignStamp } from '@cpt/application';
import { NotFoundError } from '@cpt/domain';
import { describe, expect, it } from 'vitest';
import { type RenderedRead, RenderedReads } from './rendered-reads.js';

const A = 'account-a';
const B = 'account-b';

/** A cache over campaigns whose stamps the test sets, by account and campaign. */
function setup(maxBytes = 1_000_000) {
  const stamps = new Map<string, CampaignStamp>();
  let stampReads = 0;
  const cache = new RenderedReads({
    maxBytes,
    stampOf: async (account, campaign) => {
      stampReads++;
      return stamps.get(`${account}/${campaign}`);
    },
  });
  const renderer = (text: string, stamp: CampaignStamp) => {
    const calls = { n: 0 };
    const render = async (): Promise<RenderedRead> => {
      calls.n++;
      return { body: Buffer.from(text), stamp };
    };
    return { render, calls };
  };
  return { cache, stamps, renderer, stampReads: () => stampReads };
}

describe('RenderedReads', () => {
  it('serves the kept body while the stamp stays, renders again when it moves', async () => {
    const { cache, stamps, renderer } = setup();
    stamps.set(`${A}/c1`, { seq: 1, version: 1 });
    const one = renderer('one', { seq: 1, version: 1 });
    expect((await cache.read(A, 'c1', 'positions', one.render)).body.toString()).toBe('one');
    expect((await cache.read(A, 'c1', 'positions', one.render)).body.toString()).toBe('one');
    expect(one.calls.n).toBe(1);
    stamps.set(`${A}/c1`, { seq: 2, version: 1 });
    const two = renderer('two', { seq: 2, version: 1 });
    expect((await cache.read(A, 'c1', 'positions', two.render)).body.toString()).toBe('two');
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, entries: 1 });
  });

  it('is not_found for an account without the campaign, whatever another account has kept', async () => {
    const { cache, stamps, renderer } = setup();
    stamps.set(`${A}/c1`, { seq: 1, version: 1 });
    const { render, calls } = renderer('secret', { seq: 1, version: 1 });
    await cache.read(A, 'c1', 'positions', render);
    await expect(cache.read(B, 'c1', 'positions', render)).rejects.toBeInstanceOf(NotFoundError);
    expect(calls.n).toBe(1);
  });

  it('keeps each view of a campaign apart', async () => {
    const { cache, stamps, renderer } = setup();
    stamps.set(`${A}/c1`, { seq: 1, version: 1 });
    await cache.read(A, 'c1', 'positions', renderer('all', { seq: 1, version: 1 }).render);
    const open = await cache.read(A, 'c1', 'open-positions', renderer('open', { seq: 1, version: 1 }).render);
    expect(open.body.toString()).toBe('open');
  });

  it('shares one rendering among the reads that miss at the same stamp', async () => {
    const { cache, stamps, renderer } = setup();
    stamps.set(`${A}/c1`, { seq: 4, version: 2 });
    const { render, calls } = renderer('x', { seq: 4, version: 2 });
    const all = await Promise.all([1, 2, 3].map(() => cache.read(A, 'c1', 'positions', render)));
    expect(all.map((r) => r.body.toString())).toEqual(['x', 'x', 'x']);
    expect(calls.n).toBe(1);
  });

  it('does not replace a newer body with an older rendering', async () => {
    const { cache, stamps, renderer } = setup();
    stamps.set(`${A}/c1`, { seq: 5, version: 1 });
    await cache.read(A, 'c1', 'positions', renderer('new', { seq: 5, version: 1 }).render);
    // A rendering whose snapshot predates the kept one (the stamp was read, then moved back: a race).
    stamps.set(`${A}/c1`, { seq: 3, version: 1 });
    await cache.read(A, 'c1', 'positions', renderer('old', { seq: 3, version: 1 }).render);
    stamps.set(`${A}/c1`, { seq: 5, version: 1 });
    const { render, calls } = renderer('again', { seq: 5, version: 1 });
    expect((await cache.read(A, 'c1', 'positions', render)).body.toString()).toBe('new');
    expect(calls.n).toBe(0);
  });

  it('evicts the least recently used within the bound, and keeps nothing larger than it', async () => {
    const { cache, stamps, renderer } = setup(2 * (100 + 256));
    for (const c of ['c1', 'c2', 'c3', 'big']) stamps.set(`${A}/${c}`, { seq: 1, version: 1 });
    const body = 'x'.repeat(100);
    await cache.read(A, 'c1', 'v', renderer(body, { seq: 1, version: 1 }).render);
    await cache.read(A, 'c2', 'v', renderer(body, { seq: 1, version: 1 }).render);
    await cache.read(A, 'c1', 'v', renderer(body, { seq: 1, version: 1 }).render);
    await cache.read(A, 'c3', 'v', renderer(body, { seq: 1, version: 1 }).render);
    expect(cache.stats()).toMatchObject({ entries: 2, evictions: 1, bytes: 2 * 356 });
    const c1 = renderer(body, { seq: 1, version: 1 });
    await cache.read(A, 'c1', 'v', c1.render);
    expect(c1.calls.n).toBe(0);
    await cache.read(A, 'big', 'v', renderer('y'.repeat(1000), { seq: 1, version: 1 }).render);
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 2 * 356 });
  });

  it('renders every read, without asking for the stamp, when it may keep nothing', async () => {
    const { cache, renderer, stampReads } = setup(0);
    const { render, calls } = renderer('x', { seq: 1, version: 1 });
    await cache.read(A, 'c1', 'v', render);
    await cache.read(A, 'c1', 'v', render);
    expect([calls.n, stampReads(), cache.stats().entries]).toEqual([2, 0, 0]);
  });
});
