import { describe, expect, it } from 'vitest';
import { defaultBatch, parseFeedArgs } from './feed-options.js';

const parse = (...argv: string[]) => parseFeedArgs(argv, () => 12345, {});

describe('parseFeedArgs', () => {
  it('fills in the defaults', () => {
    expect(parse()).toEqual({
      ok: true,
      options: {
        url: 'http://127.0.0.1:8081/api/v1/ticks',
        api: 'http://127.0.0.1:8080',
        key: undefined,
        keyFile: '.run/dev-api-key',
        source: { kind: 'walk', symbols: ['GBPUSD', 'AAPL'], seed: 12345, startUnits: new Map() },
        rate: 10,
        batch: 1,
        durationMs: undefined,
      },
    });
  });

  it('reads a walk', () => {
    const r = parse(
      '--symbols',
      'gbpusd, AAPL',
      '--rate',
      '50',
      '--seed',
      '7',
      '--start-price',
      'GBPUSD=1.2575',
      '--start-price',
      'aapl=187',
      '--duration',
      '2.5',
      '--url',
      'http://localhost:18181/api/v1/ticks',
    );
    expect(r).toEqual({
      ok: true,
      options: {
        url: 'http://localhost:18181/api/v1/ticks',
        api: 'http://127.0.0.1:8080',
        key: undefined,
        keyFile: '.run/dev-api-key',
        source: {
          kind: 'walk',
          symbols: ['GBPUSD', 'AAPL'],
          seed: 7,
          startUnits: new Map([
            ['GBPUSD', 125_750_000n],
            ['AAPL', 18_700_000_000n],
          ]),
        },
        rate: 50,
        batch: 5,
        durationMs: 2500,
      },
    });
  });

  it('reads a replay at full speed', () => {
    const r = parse('--replay', 'ticks.csv', '--rate', '0', '--batch', '100');
    expect(r).toMatchObject({
      ok: true,
      options: { source: { kind: 'replay', file: 'ticks.csv', shiftToNow: false }, rate: 0, batch: 100 },
    });
    expect(parse('--replay', 'ticks.csv', '--shift-to-now')).toMatchObject({
      ok: true,
      options: { source: { kind: 'replay', file: 'ticks.csv', shiftToNow: true } },
    });
  });

  it('takes the addresses and the key from the environment, and the command line over it', () => {
    const env = { CPT_TICKS_URL: 'http://ingest:8081/api/v1/ticks', CPT_API_URL: 'http://gw:8080/api/v1/', CPT_API_KEY: ' cpt_env \n' };
    expect(parseFeedArgs([], () => 1, env)).toMatchObject({
      ok: true,
      options: { url: 'http://ingest:8081/api/v1/ticks', api: 'http://gw:8080', key: 'cpt_env' },
    });
    expect(parseFeedArgs(['--url', 'http://a/t', '--api', 'http://b', '--key', 'cpt_arg'], () => 1, env)).toMatchObject({
      ok: true,
      options: { url: 'http://a/t', api: 'http://b', key: 'cpt_arg' },
    });
  });

  it('asks for help', () => {
    expect(parse('--help')).toEqual({ ok: false, help: true, message: '' });
  });

  it.each([
    [['--rate', 'fast'], /--rate must be a number/],
    [['--rate', '-5'], /--rate/],
    [['--rate', '100001'], /--rate must be at most 100000/],
    [['--batch', '0'], /--batch must be at least 1/],
    [['--batch', '10001'], /--batch must be at most 10000/],
    [['--seed', '1.5'], /--seed must be a whole number/],
    [['--duration', '0'], /--duration must be more than 0/],
    [['--symbols', 'GBP USD'], /--symbols takes/],
    [['--symbols', ''], /--symbols takes/],
    [['--start-price', 'GBPUSD'], /--start-price takes SYMBOL=PRICE/],
    [['--start-price', 'GBPUSD=0'], /--start-price takes SYMBOL=PRICE/],
    [['--start-price', 'GBPUSD=1e3'], /--start-price takes SYMBOL=PRICE/],
    [['--start-price', 'EURUSD=1.1'], /EURUSD, which is not in --symbols/],
    [['--url', 'ftp://x/ticks'], /--url must be an http\(s\) URL/],
    [['--replay', 'a.csv', '--seed', '3'], /--replay takes its symbols/],
    [['--shift-to-now'], /--shift-to-now moves the times of a --replay file/],
    [['--api', 'gateway'], /--api must be an http\(s\) URL/],
    [['--key', ' '], /--key must not be empty/],
    [['--speed', '3'], /Unknown option '--speed'/],
    [['extra'], /positional/],
  ])('refuses %j', (argv, message) => {
    const r = parse(...argv);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.help).toBe(false);
      expect(r.message).toMatch(message);
    }
  });
});

describe('defaultBatch', () => {
  it('sends about ten requests a second', () => {
    expect([defaultBatch(1), defaultBatch(10), defaultBatch(50), defaultBatch(1000), defaultBatch(1e6)]).toEqual([1, 1, 5, 100, 10_000]);
    expect(defaultBatch(0)).toBe(500);
  });
});
