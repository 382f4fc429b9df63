import type { Caller } from '@cpt/domain';
import { dec, fmt8, positionPnl, round8, type Side } from '@cpt/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../src/db/sql.js';
import type { MikroORM } from '../src/index.js';
import { CampaignCommands, markPositions } from '../src/index.js';
import {
  at,
  MAX_UNITS,
  newCaller,
  newCampaign,
  openTestOrm,
  positionInput,
  positionRows,
  sideArb,
  UNIT,
  units,
  unitsToText,
} from './support.js';

const HALF_UNIT = UNIT / 2n;

/** Units of a NUMERIC(18,8) value anywhere in its range. */
const anyNumeric = units(-MAX_UNITS, MAX_UNITS);
/** Units of a modest value, where prices and quantities usually live. */
const modest = units(-1000n * UNIT, 1000n * UNIT);
const operand = fc.oneof(anyNumeric, modest);

/** `(a - b) * c` with `a - b` an odd number of units and `c` an odd multiple of 0.5: an exact half at the 9th digit. */
const exactHalf = fc
  .record({ b: modest, diff: units(-500n * UNIT, 500n * UNIT), k: units(-10_000n, 10_000n) })
  .map(({ b, diff, k }) => ({ a: b + (diff % 2n === 0n ? diff + 1n : diff), b, c: (2n * k + 1n) * HALF_UNIT }));

/** One unit either side of an exact half. */
const nearHalf = fc.record({ half: exactHalf, nudge: fc.constantFrom(-1n, 1n) }).map(({ half, nudge }) => ({ ...half, c: half.c + nudge }));

const product = fc.oneof(fc.record({ a: operand, b: operand, c: operand }), exactHalf, nearHalf);

describe('round_half_even(numeric, 8) in PostgreSQL', () => {
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(async () => orm.close());

  const sqlRound = async (sql: string, params: string[]): Promise<string> => {
    const [row] = await query<{ r: string }>(orm.em.fork(), sql, params);
    if (!row) throw new Error('no row');
    return row.r;
  };

  it('rounds exact halves to the even neighbour, for both signs', async () => {
    const cases: [string, string][] = [
      ['0.000000005', '0.00000000'],
      ['0.000000015', '0.00000002'],
      ['0.000000025', '0.00000002'],
      ['-0.000000005', '0.00000000'],
      ['-0.000000015', '-0.00000002'],
      ['-0.000000025', '-0.00000002'],
      ['1.234567885', '1.23456788'],
      ['-1.234567895', '-1.23456790'],
      ['9999999999.999999985', '9999999999.99999998'],
    ];
    for (const [x, expected] of cases) {
      const r = await sqlRound('select round_half_even(?::numeric, 8)::text as r', [x]);
      expect(fmt8(dec(r)), x).toBe(expected);
      expect(fmt8(round8(dec(x))), x).toBe(expected);
    }
  });

  it('equals the domain round8 for (a - b) * c of NUMERIC(18,8) values', async () => {
    await fc.assert(
      fc.asyncProperty(product, async ({ a, b, c }) => {
        const [ta, tb, tc] = [unitsToText(a), unitsToText(b), unitsToText(c)];
        const r = await sqlRound('select round_half_even((?::numeric(18,8) - ?::numeric(18,8)) * ?::numeric(18,8), 8)::text as r', [
          ta,
          tb,
          tc,
        ]);
        const expected = round8(dec(ta).minus(dec(tb)).mul(dec(tc)));
        // No digit beyond the 8th survives, so storing the value in NUMERIC(18,8) cannot round it again.
        expect(dec(r).decimalPlaces()).toBeLessThanOrEqual(8);
        expect(fmt8(dec(r))).toBe(fmt8(expected));
      }),
      { numRuns: 200 },
    );
  });
});

/** A position and the price that marks it; the notional stays within NUMERIC(18,8). */
const markCase = fc.oneof(
  fc.record({ side: sideArb, entry: units(2n, 100_000n * UNIT), shares: units(1n, 10_000n * UNIT), price: units(1n, 100_000n * UNIT) }),
  // Half a share times an odd price move: the exact P&L ends in a 5 at the 9th digit.
  fc
    .record({ side: sideArb, entry: units(2n, 100_000n * UNIT), k: units(0n, 9_999n), move: units(-1_000n * UNIT, 1_000n * UNIT) })
    .map(({ side, entry, k, move }) => {
      const odd = move % 2n === 0n ? move + 1n : move;
      const price = entry + odd > 0n ? entry + odd : entry - odd;
      return { side, entry, shares: (2n * k + 1n) * HALF_UNIT, price };
    }),
);

describe('the P&L markPositions stores', () => {
  let orm: MikroORM;
  let caller: Caller;
  let commands: CampaignCommands;
  beforeAll(async () => {
    orm = await openTestOrm();
    caller = await newCaller(orm);
    commands = new CampaignCommands(orm.em);
  });
  afterAll(async () => orm.close());

  const markOnce = async (side: Side, entry: bigint, shares: bigint, price: bigint) => {
    const c = await newCampaign(commands, caller, side);
    await commands.addPosition(caller, c.id, positionInput(side, entry, shares, at(0)));
    await markPositions(orm.em, [{ symbol: c.symbol, price: dec(unitsToText(price)), ts: at(1) }]);
    const [row] = await positionRows(orm.em, c.id);
    if (!row) throw new Error('position is missing');
    return row;
  };

  it('equals positionPnl(side, entry, shares, price) for LONG and SHORT', async () => {
    await fc.assert(
      fc.asyncProperty(markCase, async ({ side, entry, shares, price }) => {
        const row = await markOnce(side, entry, shares, price);
        const expected = positionPnl(side, dec(unitsToText(entry)), dec(unitsToText(shares)), dec(unitsToText(price)));
        expect(row.current_price).toBe(unitsToText(price));
        expect(row.current_pnl).toBe(fmt8(expected));
        expect(row.marked_at).not.toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('stores a P&L whose exact value lies just past the largest NUMERIC(18,8) but rounds to it', async () => {
    // (3.00000005 - 0.00000002) * 3333333300.00000033 = 9999999999.9999999900000099, which rounds
    // half-even to 9999999999.99999999: the value a close at the same price would store.
    const row = await markOnce('LONG', 2n, 333_333_330_000_000_033n, 300_000_005n);
    expect(fmt8(positionPnl('LONG', dec('0.00000002'), dec('3333333300.00000033'), dec('3.00000005')))).toBe('9999999999.99999999');
    expect(row.current_pnl).toBe('9999999999.99999999');
    expect(row.current_price).toBe('3.00000005');
  });
});
