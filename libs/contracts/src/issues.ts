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

/**
 * Turns a zod error into the contract's `details` list (section 1): a field the request does not
 * define is named on its own, and a missing required field says `required`.
 */
export function fieldIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  return error.issues.flatMap((i): FieldIssue[] => {
    const at = [...prefix, ...i.path];
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => ({ path: formatPath([...at, k]), message: 'is not a field of this request' }));
    if (i.code === 'invalid_type' && / received undefined$/.test(i.message)) return [{ path: formatPath(at), message: 'required' }];
    return [{ path: formatPath(at), message: i.message }];
  });
}
