import { describe, expect, it } from 'vitest';
import { FakeReads, settle } from '../../test/realtime-fakes.js';
import { SnapshotCancelled, SnapshotLoader, type SnapshotOwner } from './snapshot-loader.js';

const ACCOUNT = '9a8b7c6d-0000-4000-8000-000000000001';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const owner = (ready = true): SnapshotOwner & { isReady: boolean } => {
  const o = { isReady: ready, ready: () => o.isReady };
  return o;
};

describe('SnapshotLoader', () => {
  it('serves connections in turn: a thousand requests of one do not delay the first of another', async () => {
    const reads = new FakeReads();
    const loader = new SnapshotLoader(reads, 1);
    const flood = owner();
    const other = owner();
    for (let n = 1; n <= 1000; n++) loader.load(flood, ACCOUNT, id(n)).catch(() => undefined);
    const mine = loader.load(other, ACCOUNT, id(5000));
    // Round-robin: the newcomer waits for at most one more read of each connection ahead of it.
    await reads.answer(1);
    await reads.answer(1);
    expect(reads.order).toEqual([id(1), id(2), id(5000)]);
    await reads.answer(1);
    await expect(mine).resolves.toMatchObject({ campaignId: id(5000), seq: 1 });
    loader.forget(flood);
  });

  it('drops what a connection waits for when it goes, and reads nothing more for it', async () => {
    const reads = new FakeReads();
    const loader = new SnapshotLoader(reads, 1);
    const gone = owner();
    const first = loader.load(gone, ACCOUNT, id(1));
    const queued = loader.load(gone, ACCOUNT, id(2));
    loader.forget(gone);
    await expect(queued).rejects.toBeInstanceOf(SnapshotCancelled);
    await reads.answer(1);
    await first;
    await settle();
    expect(reads.reads).toBe(1);
    expect(loader.backlog).toEqual({ active: 0, queued: 0 });
  });

  it('starts no read for a connection whose socket is backed up until it drains', async () => {
    const reads = new FakeReads();
    const loader = new SnapshotLoader(reads, 2);
    const slow = owner(false);
    const p = loader.load(slow, ACCOUNT, id(1));
    await settle();
    expect(reads.reads).toBe(0);
    slow.isReady = true;
    loader.pump();
    expect(reads.reads).toBe(1);
    await reads.answer(3);
    await expect(p).resolves.toMatchObject({ seq: 3 });
  });

  it('shares a read that has not started between connections, and keeps it while one still wants it', async () => {
    const reads = new FakeReads();
    const loader = new SnapshotLoader(reads, 1);
    const a = owner();
    const b = owner();
    loader.load(a, ACCOUNT, id(9)).catch(() => undefined);
    loader.load(a, ACCOUNT, id(1)).catch(() => undefined);
    const pb = loader.load(b, ACCOUNT, id(1));
    loader.cancel(a, ACCOUNT, id(1));
    await reads.answer(1);
    await reads.answer(2);
    await expect(pb).resolves.toMatchObject({ campaignId: id(1), seq: 2 });
    expect(reads.reads).toBe(2);
  });
});
