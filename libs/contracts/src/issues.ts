import type { FieldIssue } from '@cpt/domain';
import type { z } from 'zod';

/** Formats a zod issue path the contract's way: `[3].price`, `resume.<id>`, `entry_price`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** The message of a field the request leaves out (section 1). */
export const REQUIRED = 'required';
/** The message of a field the request does not define (section 1). */
export const UNKNOWN_FIELD = 'unknown field';

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  record: 'an object',
  null: 'null',
  date: 'a date',
};

type RawIssue = Parameters<z.core.$ZodErrorMap>[0];

function sizeMessage(origin: string, bound: number | bigint, inclusive: boolean | undefined, least: boolean): string {
  const n = Number(bound);
  if (origin === 'string') return least ? `must be at least ${n} characters` : `must be at most ${n} characters`;
  if (origin === 'array' || origin === 'set') {
    const items = `${n} ${n === 1 ? 'item' : 'items'}`;
    return least ? `must have at least ${items}` : `must have at most ${items}`;
  }
  if (least) return inclusive === false ? `must be greater than ${n}` : `must be at least ${n}`;
  return inclusive === false ? `must be less than ${n}` : `must be at most ${n}`;
}

/**
 * The contract's words for zod's issues, where the schema gave none of its own: a missing field
 * is `required`, a type mistake says what was expected (`expected a string`), a bad enum lists the
 * values it takes (`must be one of LONG, SHORT`). A message a schema states itself outranks this
 * map (zod asks the schema first), so domain wording such as `must be a UUID` stays as written.
 */
export const contractErrorMap: z.core.$ZodErrorMap = (issue: RawIssue) => {
  // A field left out is `undefined` whatever type it should have had.
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) return REQUIRED;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = String(issue.expected);
      return `expected ${TYPE_NAMES[expected] ?? expected}`;
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`;
    }
    case 'too_small':
      return sizeMessage(String(issue.origin), issue.minimum, issue.inclusive, true);
    case 'too_big':
      return sizeMessage(String(issue.origin), issue.maximum, issue.inclusive, false);
    case 'unrecognized_keys':
      return UNKNOWN_FIELD;
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the expected format' : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union': {
      // A discriminated union names the values its discriminator takes.
      const options = Array.isArray(issue.options) ? issue.options.map(String) : [];
      if (options.length > 0 && typeof issue.discriminator === 'string') {
        const value = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
        return value === undefined ? REQUIRED : `must be one of ${options.join(', ')}`;
      }
      return 'matches none of the accepted forms';
    }
    default:
      return undefined;
  }
};

/**
 * Parses a value a client sent with a contract schema, in the contract's words
 * ({@link contractErrorMap}); turn a failure into `details` with {@link fieldIssues}.
 */
export function safeParseInput<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  return schema.safeParse(value, { error: contractErrorMap });
}

/**
 * Turns a zod error into the contract's `details` list (section 1): each field the request does
 * not define is named on its own as an `unknown field`, a missing required field says `required`,
 * and a field is named once, with its first fault (a value of the wrong type breaks the field's
 * other rules too, which would only repeat it).
 */
export function fieldIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  const out: FieldIssue[] = [];
  const named = new Set<string>();
  const add = (path: string, message: string) => {
    if (named.has(path)) return;
    named.add(path);
    out.push({ path, message });
  };
  for (const i of error.issues) {
    const at = [...prefix, ...i.path];
    if (i.code === 'unrecognized_keys') for (const k of i.keys) add(formatPath([...at, k]), UNKNOWN_FIELD);
    // An error parsed without the contract's map still says `required` for a missing field.
    else if (i.code === 'invalid_type' && / received undefined$/.test(i.message)) add(formatPath(at), REQUIRED);
    else add(formatPath(at), i.message);
  }
  return out;
}
