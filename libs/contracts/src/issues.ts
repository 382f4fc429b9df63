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

/** Turns a zod error into the contract's `details` list. */
export function fieldIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  return error.issues.map((i) => ({ path: formatPath([...prefix, ...i.path]), message: i.message }));
}
