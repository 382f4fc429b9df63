import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { whileProgressing } from './kafka.js';

describe('whileProgressing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects after ms without progress, naming what it waited for', async () => {
    const waited = whileProgressing(new Promise<never>(() => undefined), 1000, () => 0, 'publishing to t');
    const outcome = waited.then(
      () => 'settled',
      (err: Error) => err.message,
    );
    await vi.advanceTimersByTimeAsync(999);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe('publishing to t made no progress within 1000 ms');
  });

  it('waits as long as progress keeps coming, then rejects ms after the last', async () => {
    let progress = 0;
    let outcome = 'pending';
    whileProgressing(new Promise<never>(() => undefined), 1000, () => progress).catch(() => {
      outcome = 'rejected';
    });
    // Progress every 600 ms for 6 s: never 1,000 ms without it.
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(600);
      progress = Date.now();
    }
    expect(outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(999);
    expect(outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBe('rejected');
  });

  it('settles with the promise, and leaves no timer behind', async () => {
    const waited = whileProgressing(Promise.resolve('done'), 1000, () => 0);
    expect(await waited).toBe('done');
    expect(vi.getTimerCount()).toBe(0);
  });
});
