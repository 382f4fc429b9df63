import { RestClient } from '@cpt/realtime-client/browser';
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { describe, type Problem, ProblemBox } from '../ui/errors.js';

/** Asks for an API key, checks it against the gateway, and hands it on. */
export function KeyEntry(props: { onKey: (key: string) => void; notice?: string | null }): JSX.Element {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const key = String(new FormData(e.currentTarget as HTMLFormElement).get('key') ?? '').trim();
    setBusy(true);
    setProblem(null);
    try {
      await new RestClient({ apiKey: key }).account();
      props.onKey(key);
    } catch (err) {
      setProblem(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="key-entry">
      <form onSubmit={submit} aria-labelledby="key-title">
        <h1 id="key-title">Campaign position tracking</h1>
        <p>
          Paste an API key with the scope campaigns:read (and campaigns:write to run commands). It is kept in this tab only, until you sign
          out or close it.
        </p>
        {props.notice && <p class="notice">{props.notice}</p>}
        <div class="field">
          <label for="key">API key</label>
          <input id="key" name="key" type="password" autocomplete="off" spellcheck={false} required pattern="cpt_[A-Za-z0-9_\-]{43,}" />
        </div>
        <ProblemBox problem={problem} />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Checking…' : 'Open the dashboard'}
          </button>
        </div>
      </form>
    </main>
  );
}
