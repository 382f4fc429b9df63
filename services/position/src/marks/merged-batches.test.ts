import { createLogger } from '@cpt/platform';
import { describe, expect, it } from 'vitest';
import { mergedBatches } from './merged-batches.js';

const log = createLogger('merged-batches-test', 'silent');

class Transient extends Error {}

interface Call {
  items: string[];
  /** Ends the call: with an error, or done. */
  finish: (err?: Error) => void;
}

/** A handler whose calls end only when the test finishes them, so that what overlaps is up to the test. */
function gated(maxRunning = 1) {
  const calls: Call[] = [];
  const run = (items: string[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ items: [...items], finish: (err) => (err ? reject(err) : resolve()) });
    });
  return { calls, handle: mergedBatches<string>(run, (err) => err instanceof Transient, log, maxRunning) };
}

/** Turns of the event loop until `done`, at most 100 (the merger schedules with setImmediate). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setImmediate(r));
  if (!done()) throw new Error('the condition did not hold within 100 turns of the event loop');
}

/** Turns of the event loop in which the merger could start a call it should not. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

const outcome = (p: Promise<void>) =>
  p.then(
    () => 'ok',
    (err: Error) => err.message,
  );

describe('mergedBatches', () => {
  it('applies the batches handed over together in one call, and each caller settles with it', async () => {
    const { calls, handle } = gated();
    const results = Promise.all([handle(['a1', 'a2'], log), handle(['b1'], log), handle(['c1'], log)].map(outcome));
    await until(() => calls.length === 1);
    expect(calls.map((c) => c.items)).toEqual([['a1', 'a2', 'b1', 'c1']]);
    calls[0]?.finish();
    expect(await results).toEqual(['ok', 'ok', 'ok']);
  });

  it('one call at a time (maxRunning 1): batches that arrive while a call runs go together into the next', async () => {
    const { calls, handle } = gated();
    const first = handle(['a1'], log);
    await until(() => calls.length === 1);
    const later = [handle(['b1'], log), handle(['c1'], log)];
    await turns(10);
    // Nothing else starts while the first call runs.
    expect(calls.length).toBe(1);
    calls[0]?.finish();
    await first;
    await until(() => calls.length === 2);
    expect(calls[1]?.items).toEqual(['b1', 'c1']);
    calls[1]?.finish();
    await Promise.all(later);
  });

  it('with maxRunning 2, a batch that arrives while one call runs is a second call at once, and a third waits for one of them', async () => {
    const { calls, handle } = gated(2);
    const first = handle(['a1'], log);
    await until(() => calls.length === 1);
    const second = handle(['b1'], log);
    await until(() => calls.length === 2);
    const third = [handle(['c1'], log), handle(['d1'], log)];
    await turns(10);
    expect(calls.map((c) => c.items)).toEqual([['a1'], ['b1']]);
    calls[1]?.finish();
    await second;
    await until(() => calls.length === 3);
    expect(calls[2]?.items).toEqual(['c1', 'd1']);
    calls[0]?.finish();
    calls[2]?.finish();
    await Promise.all([first, ...third]);
  });

  it('a transient failure reaches every caller of the merged call, which retry', async () => {
    const { calls, handle } = gated();
    const results = Promise.all([handle(['a1'], log), handle(['b1'], log)].map(outcome));
    await until(() => calls.length === 1);
    calls[0]?.finish(new Transient('database away'));
    expect(await results).toEqual(['database away', 'database away']);
    expect(calls.map((c) => c.items)).toEqual([['a1', 'b1']]);
  });

  it("any other failure runs each batch again on its own: one batch's fault is not another's", async () => {
    const { calls, handle } = gated();
    const results = Promise.all([handle(['a1'], log), handle(['b1', 'b-bad'], log), handle(['c1'], log)].map(outcome));
    await until(() => calls.length === 1);
    calls[0]?.finish(new Error('b failed'));
    // Then each batch alone, one after the other: b's fails again, the others pass.
    for (const [i, err] of [undefined, new Error('b failed'), undefined].entries()) {
      await until(() => calls.length === i + 2);
      calls[i + 1]?.finish(err);
    }
    expect(await results).toEqual(['ok', 'b failed', 'ok']);
    expect(calls.map((c) => c.items)).toEqual([['a1', 'b1', 'b-bad', 'c1'], ['a1'], ['b1', 'b-bad'], ['c1']]);
  });
});
