import { utcMillis } from './timestamps.js';

/**
 * How a column travels from PostgreSQL to the contract's JSON:
 * - `value`: as the driver returns it (text, uuid, integer, boolean);
 * - `decimal`: a NUMERIC(18,8) selected as text, which prints exactly the contract's 8-digit plain
 *   notation, so it is passed through without a Decimal round trip;
 * - `timestamp`: a timestamptz(3), rendered in UTC with milliseconds and `Z`.
 */
export type ColumnKind = 'value' | 'decimal' | 'timestamp';

/** A timestamp as the driver returns it, whichever way it parsed it. */
export type DbTimestamp = Date | string;

type RowValue<J, K extends ColumnKind> = K extends 'timestamp' ? (null extends J ? DbTimestamp | null : DbTimestamp) : J;

/** The row a shape selects: each field as the driver returns it. */
export type RowOf<J, F extends { [K in keyof J]: ColumnKind }> = { [K in keyof J]: RowValue<J[K], F[K]> };

/**
 * One definition of a resource's columns, row type and JSON mapping. The contract's JSON type `J`
 * names the fields (a column is named as its JSON field), so a field the contract gains and the
 * shape lacks is a compile error, and the select list, the row type and the mapper follow from it.
 */
export interface RowShape<J, F extends { [K in keyof J]: ColumnKind }> {
  readonly fields: F;
  /** The select list for table alias `alias`: decimals as text, named as their JSON fields. */
  columns(alias: string): string;
  /** The contract's JSON from a row. */
  toJson(row: RowOf<J, F>): J;
}

/** Declares the shape of contract type `J` (curried so that `F` is inferred while `J` is given). */
export function rowShape<J>() {
  return <F extends { [K in keyof J]: ColumnKind }>(fields: F & Record<Exclude<keyof F, keyof J>, never>): RowShape<J, F> => {
    const keys = Object.keys(fields) as (keyof J & string)[];
    const timestamps = new Set(keys.filter((k) => fields[k] === 'timestamp'));
    const select = (alias: string) =>
      keys.map((k) => (fields[k] === 'decimal' ? `${alias}.${k}::text as ${k}` : `${alias}.${k}`)).join(', ');
    return {
      fields,
      columns: select,
      toJson(row) {
        const out: Record<string, unknown> = {};
        for (const k of keys) {
          const v = (row as Record<string, unknown>)[k];
          out[k] = timestamps.has(k) && v !== null ? utcMillis(v as DbTimestamp) : v;
        }
        return out as J;
      },
    };
  };
}
