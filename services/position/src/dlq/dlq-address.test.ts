import { describe, expect, it } from 'vitest';
import { type Bounds, parseAddress, resolveAddress } from './dlq-address.js';
import { parseDlqArgs } from './dlq-command.js';

const bounds = new Map<number, Bounds>([
  [0, { low: 0n, high: 5n }],
  [1, { low: 3n, high: 20n }],
  [2, { low: 7n, high: 7n }],
]);

describe('dead-letter addresses', () => {
  it('reads <partition>:<offset> and an offset alone', () => {
    expect(parseAddress('1:17')).toEqual({ partition: 1, offset: 17n });
    expect(parseAddress('17')).toEqual({ partition: undefined, offset: 17n });
    for (const bad of ['', '1:', ':17', '-1', '1:2:3', 'x', '1.5']) expect(parseAddress(bad)).toBeUndefined();
  });

  it('resolves an offset alone only where one partition holds it', () => {
    expect(resolveAddress('t', bounds, { partition: undefined, offset: 12n })).toEqual({ partition: 1, offset: 12n });
    expect(() => resolveAddress('t', bounds, { partition: undefined, offset: 4n })).toThrow(/in 2 partitions of t: .*0:4, 1:4/);
    expect(() => resolveAddress('t', bounds, { partition: undefined, offset: 20n })).toThrow('no partition of t holds offset 20');
  });

  it('says what a partition holds when the offset is not there', () => {
    expect(resolveAddress('t', bounds, { partition: 0, offset: 4n })).toEqual({ partition: 0, offset: 4n });
    expect(() => resolveAddress('t', bounds, { partition: 1, offset: 2n })).toThrow('t partition 1 holds offsets 3 to 19, not 2');
    expect(() => resolveAddress('t', bounds, { partition: 2, offset: 7n })).toThrow('t partition 2 holds no message, not 7');
    expect(() => resolveAddress('t', bounds, { partition: 6, offset: 0n })).toThrow('t has no partition 6 (it has 0, 1, 2)');
  });
});

describe('dlq command line', () => {
  it('takes list, show and replay', () => {
    expect(parseDlqArgs(['list'])).toEqual({ command: 'list', limit: 50 });
    expect(parseDlqArgs(['list', '--limit', '5'])).toEqual({ command: 'list', limit: 5 });
    expect(parseDlqArgs(['show', '2:9'])).toEqual({ command: 'show', address: { partition: 2, offset: 9n } });
    expect(parseDlqArgs(['replay', '9'])).toEqual({ command: 'replay', address: { partition: undefined, offset: 9n } });
    expect(parseDlqArgs([])).toEqual({ command: 'help' });
  });

  it('refuses what it does not understand', () => {
    expect(parseDlqArgs(['list', '--limit', '0'])).toHaveProperty('error');
    expect(parseDlqArgs(['show'])).toHaveProperty('error');
    expect(parseDlqArgs(['show', 'abc'])).toHaveProperty('error');
    expect(parseDlqArgs(['replay', '1:2', '3'])).toHaveProperty('error');
    expect(parseDlqArgs(['purge'])).toEqual({ error: 'unknown command: purge' });
  });
});
