import { createLogger } from '@cpt/platform';
import { describe, expect, it } from 'vitest';
import { mergedBatches } from './merged-batches.js';

const log = createLogger('merged-batches-test', 'silent');

class Transient extends Error {}

/** A handler that records each call's items, and fails as `fail` says. */
function recorder(fail: (items: string[]) => Error | undefined = () => undefined, maxRunning = 1) {
  const calls: string[][] = [];
  const run = async (items: string[]) => {
    calls.push([...items]);
    await new Promise((r) => setTimeout(r, 5));
    const err = fail(items);
    if (err) throw err;
  };
  return { calls, handle: mergedBatches<string>(run, (err) => err instanceof Transient, log, maxRunning) };
}

const outcome = (p: Promise<void>) =>
  p.then(
    () => 'ok',
    (err: Error) => err.message,
  );

describe('mergedBatches', () => {
  it('applies the batches handed over together in one call, and each caller settles with it', async () => {
    const { calls, handle } = recorder();
    const results = await Promise.all([handle(['a1', 'a2'], log), handle(['b1'], log), handle(['c1'], log)].map(outcome));
    expect(results).toEqual(['ok', 'ok', 'ok']);
    expect(calls).toEqual([['a1', 'a2', 'b1', 'c1']]);
  });

  it('one call at a time (maxRunning 1): batches that arrive while a call runs go together into the next', async () => {
    const { calls, handle } = recorder();
    const first = handle(['a1'], log);
    await new Promise((r) => setTimeout(r, 1));
    const later = [handle(['b1'], log), handle(['c1'], log)];
    await Promise.all([first, ...later]);
    expect(calls).toEqual([['a1'], ['b1', 'c1']]);
    // Nothing left waiting: a batch handed over afterwards runs on its own.
    await handle(['d1'], log);
    expect(calls.at(-1)).toEqual(['d1']);
  });

  it('with maxRunning 2, batches that arrive while one call runs are a second call at once, and a third waits for one of them', async () => {
    const { calls, handle } = recorder(() => undefined, 2);
    const started: string[][] = [];
    const first = handle(['a1'], log);
    await new Promise((r) => setTimeout(r, 1));
    const second = handle(['b1'], log);
    await new Promise((r) => setTimeout(r, 1));
    started.push(...calls.map((c) => [...c]));
    const third = [handle(['c1'], log), handle(['d1'], log)];
    await new Promise((r) => setTimeout(r, 1));
    // Two calls run; the third batch and the fourth wait.
    expect(started).toEqual([['a1'], ['b1']]);
    expect(calls.length).toBe(2);
    await Promise.all([first, second, ...third]);
    expect(calls).toEqual([['a1'], ['b1'], ['c1', 'd1']]);
  });

  it('a transient failure reaches every caller of the merged call, which retry', async () => {
    const { calls, handle } = recorder(() => new Transient('database away'));
    const results = await Promise.all([handle(['a1'], log), handle(['b1'], log)].map(outcome));
    expect(results).toEqual(['database away', 'database away']);
    expect(calls).toEqual([['a1', 'b1']]);
  });

  it("any other failure runs each batch again on its own: one batch's fault is not another's", async () => {
    const { calls, handle } = recorder((items) => (items.includes('b-bad') ? new Error('b failed') : undefined));
    const results = await Promise.all([handle(['a1'], log), handle(['b1', 'b-bad'], log), handle(['c1'], log)].map(outcome));
    expect(results).toEqual(['ok', 'b failed', 'ok']);
    expect(calls).toEqual([['a1', 'b1', 'b-bad', 'c1'], ['a1'], ['b1', 'b-bad'], ['c1']]);
  });
});
