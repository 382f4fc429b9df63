import type { JournalEntryJson } from '@cpt/contracts';
import type { RestClient } from '@cpt/realtime-client/browser';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describe, type Problem, ProblemBox } from '../ui/errors.js';
import { Time } from '../ui/format.js';

/** The campaign's journal, newest first; read again whenever `version` changes. */
export function Journal(props: { rest: RestClient; campaignId: string; version: number }): JSX.Element {
  const [items, setItems] = useState<JournalEntryJson[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    let live = true;
    props.rest.journal(props.campaignId, { limit: 50 }).then(
      (page) => {
        if (live) {
          setItems(page.items);
          setProblem(null);
        }
      },
      (e) => live && setProblem(describe(e)),
    );
    return () => {
      live = false;
    };
  }, [props.rest, props.campaignId, props.version]);
  return (
    <section aria-labelledby="journal-title">
      <h2 id="journal-title">Journal</h2>
      <ProblemBox problem={problem} />
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the list scrolls, so it must take the focus, or a keyboard cannot scroll it */}
      <ol class="journal" tabIndex={0} aria-label="Journal entries, newest first">
        {items.map((j) => (
          <li key={j.id}>
            <Time iso={j.at} /> <strong>{j.action.replace(/_/g, ' ')}</strong> <span class="muted">v{j.version}</span>{' '}
            <span class="muted">{j.key_name ?? 'automatic'}</span>
            <code class="details">{JSON.stringify(j.details)}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}
