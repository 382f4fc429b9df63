import { ApiError } from '@cpt/realtime-client/browser';
import type { JSX } from 'preact';

/** What went wrong, in words: a title and the lines of its details. */
export interface Problem {
  title: string;
  lines: string[];
}

interface RiskDetail {
  limit?: string;
  max?: string;
  would_be?: string;
}

/** The title of a `not_found` answer. */
export const NOT_FOUND = 'Not found.';

const LIMIT_NAMES: Record<string, string> = { campaign_risk: 'Campaign risk', portfolio_heat: 'Portfolio heat' };

export function describe(e: unknown): Problem {
  if (!(e instanceof ApiError)) return { title: 'The gateway could not be reached.', lines: [String((e as Error)?.message ?? e)] };
  switch (e.code) {
    case 'version_conflict':
      return {
        title: 'Someone changed this campaign first.',
        lines: [`It is now at version ${e.currentVersion ?? '?'}. The view was refreshed: check it, then try again.`],
      };
    case 'risk_limit_exceeded':
      return {
        title: 'Refused: the command would break a risk limit.',
        lines: ((e.details as RiskDetail[] | undefined) ?? []).map(
          (d) => `${LIMIT_NAMES[d.limit ?? ''] ?? d.limit}: would be ${d.would_be}, the limit is ${d.max}.`,
        ),
      };
    case 'validation_failed':
      return {
        title: 'Refused: some values are not valid.',
        lines: ((e.details as { path: string; message: string }[] | undefined) ?? []).map((d) => `${d.path || 'body'}: ${d.message}`),
      };
    case 'conflict':
      return { title: 'Refused: not possible in the current state.', lines: [e.message] };
    case 'unauthenticated':
      return { title: 'The key is not valid (any more).', lines: ['Enter a valid key.'] };
    case 'forbidden':
      return { title: 'This key may not do that.', lines: [e.message] };
    case 'not_found':
      return { title: NOT_FOUND, lines: [e.message] };
    default:
      return { title: `The gateway answered ${e.status} ${e.code}.`, lines: [e.message] };
  }
}

/** A problem, announced to screen readers. */
export function ProblemBox({ problem }: { problem: Problem | null }): JSX.Element | null {
  if (!problem) return null;
  return (
    <div class="problem" role="alert">
      <strong>{problem.title}</strong>
      {problem.lines.map((l) => (
        <div key={l}>{l}</div>
      ))}
    </div>
  );
}
