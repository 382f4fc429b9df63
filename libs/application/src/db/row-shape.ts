import { utcMillis } from './timestamps.js';

/**
 * How a column travels from PostgreSQL to the contract's JSON:
 * - `value`: as the driver returns it (text, uuid, integer, boolean);
 * - `decimal`: a NUMERIC(18,8) selected as text, which prints exactly the contract's 8-digit plain
 *   notation, so it is passed through without a Decimal round trip;
 * - `timestamp`: a timestamptz(3), rendered in UTC with milliseconds and `Z`.
 */
export type ColumnKind = 'value' | 'decimal' | 'timestamp';

/** A field computed in SQL from the row's columns (`sql` gets the table alias), travelling as `kind`. */
export interface Computed<K extends ColumnKind = ColumnKind> {
  kind: K;
  sql: (alias: string) => string;
}

/** How a field of a shape is selected: a column of its name, or an expression. */
export type FieldSpec = ColumnKind | Computed;

type KindOf<S> = S extends Computed<infer K> ? K : S;

/** A timestamp as the driver returns it, whichever way it parsed it. */
export type DbTimestamp = Date | string;

type RowValue<J, K> = KindOf<K> extends 'timestamp' ? (null extends J ? DbTimestamp | null : DbTimestamp) : J;

/** The row a shape selects: each field as the driver returns it. */
export type RowOf<J, F extends { [K in keyof J]: FieldSpec }> = { [K in keyof J]: RowValue<J[K], F[K]> };

/**
 * One definition of a resource's columns, row type and JSON mapping. The contract's JSON type `J`
 * names the fields (a column is named as its JSON field), so a field the contract gains and the
 * shape lacks is a compile error, and the select list, the row type and the mapper follow from it.
 */
export interface RowShape<J, F extends { [K in keyof J]: FieldSpec }> {
  readonly fields: F;
  /** The select list for table alias `alias`: decimals as text, named as their JSON fields. */
  columns(alias: string): string;
  /** The contract's JSON from a row. */
  toJson(row: RowOf<J, F>): J;
}

/** Declares the shape of contract type `J` (curried so that `F` is inferred while `J` is given). */
export function rowShape<J>() {
  return <F extends { [K in keyof J]: FieldSpec }>(fields: F & Record<Exclude<keyof F, keyof J>, never>): RowShape<J, F> => {
    const keys = Object.keys(fields) as (keyof J & string)[];
    const spec = (k: keyof J & string): FieldSpec => fields[k] as FieldSpec;
    const kind = (k: keyof J & string): ColumnKind => {
      const f = spec(k);
      return typeof f === 'string' ? f : f.kind;
    };
    const timestamps = new Set(keys.filter((k) => kind(k) === 'timestamp'));
    const select = (alias: string) =>
      keys
        .map((k) => {
          const f = spec(k);
          const expr = typeof f === 'string' ? `${alias}.${k}` : `(${f.sql(alias)})`;
          return kind(k) === 'decimal' ? `${expr}::text as ${k}` : typeof f === 'string' ? expr : `${expr} as ${k}`;
        })
        .join(', ');
    // The mapper is compiled to one object literal per row: building the object key by key, and
    // copying it again to add fields, cost several microseconds a row on reads of 1,000 rows.
    // The keys are the shape's own (code, not input).
    const body = keys
      .map((k) => {
        const v = `r[${JSON.stringify(k)}]`;
        return `${JSON.stringify(k)}: ${timestamps.has(k) ? `${v} === null ? null : utc(${v})` : v}`;
      })
      .join(', ');
    const toJson = new Function('utc', `return (r) => ({ ${body} });`)(utcMillis) as (row: RowOf<J, F>) => J;
    return { fields, columns: select, toJson };
  };
}
