import { ApiError } from '@cpt/realtime-client/browser';
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describe, type Problem, ProblemBox } from './errors.js';

/** One input of a command's form. */
export interface Field {
  name: string;
  label: string;
  kind?: 'text' | 'decimal' | 'datetime' | 'select' | 'checkbox';
  options?: readonly string[];
  required?: boolean;
  initial?: string;
  hint?: string;
}

/** The values of a form: every non-empty input, datetimes as UTC instants; checkboxes as booleans. */
export type Values = Record<string, string | boolean>;

function valuesOf(form: HTMLFormElement, fields: readonly Field[]): Values {
  const data = new FormData(form);
  const out: Values = {};
  for (const f of fields) {
    if (f.kind === 'checkbox') {
      out[f.name] = data.get(f.name) === 'on';
      continue;
    }
    const v = String(data.get(f.name) ?? '').trim();
    if (v === '') continue;
    // A datetime-local input holds the viewer's local time; the API wants an instant with an offset.
    out[f.name] = f.kind === 'datetime' ? new Date(v).toISOString() : v;
  }
  return out;
}

function Input({ f }: { f: Field }): JSX.Element {
  const id = `field-${f.name}`;
  const common = { id, name: f.name, required: f.required ?? false, 'aria-describedby': f.hint ? `${id}-hint` : undefined };
  let input: JSX.Element;
  if (f.kind === 'select') {
    input = (
      <select {...common} value={f.initial}>
        {(f.options ?? []).map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (f.kind === 'checkbox') {
    input = <input {...common} type="checkbox" checked={f.initial === 'true'} />;
  } else if (f.kind === 'datetime') {
    input = <input {...common} type="datetime-local" step="1" value={f.initial} />;
  } else {
    input = <input {...common} type="text" inputMode={f.kind === 'decimal' ? 'decimal' : 'text'} autocomplete="off" value={f.initial} />;
  }
  return (
    <div class="field">
      <label for={id}>{f.label}</label>
      {input}
      {f.hint && (
        <small id={`${id}-hint`} class="muted">
          {f.hint}
        </small>
      )}
    </div>
  );
}

export interface CommandDialogProps {
  title: string;
  submitLabel: string;
  fields: readonly Field[];
  /** Runs the command; a rejection is shown in words and leaves the dialog open. */
  run: (values: Values) => Promise<unknown>;
  /** Called after a 409 `version_conflict` with the campaign's version now: the view refreshes what it shows. */
  onConflict?: (currentVersion: number | undefined) => void;
  onClose: () => void;
  children?: JSX.Element | JSX.Element[] | null;
}

/** A modal form for one command: keyboard-reachable, Escape cancels, errors stay readable. */
export function CommandDialog(p: CommandDialogProps): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await p.run(valuesOf(e.currentTarget as HTMLFormElement, p.fields));
      p.onClose();
    } catch (err) {
      setProblem(describe(err));
      if (err instanceof ApiError && err.code === 'version_conflict') p.onConflict?.(err.currentVersion);
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog
      ref={ref}
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        p.onClose();
      }}
    >
      <form onSubmit={submit}>
        <h2 id="dialog-title">{p.title}</h2>
        {p.children}
        {p.fields.map((f) => (
          <Input key={f.name} f={f} />
        ))}
        <ProblemBox problem={problem} />
        <div class="actions">
          <button type="button" onClick={p.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Sending…' : p.submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
