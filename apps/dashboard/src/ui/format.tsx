import type { JSX } from 'preact';

// Display only: amounts are the server's strings, shown as they came (the browser does no money
// arithmetic); a sign is read from the text.

const ZERO = /^-?0(\.0*)?$/;

/** `pos`, `neg` or `zero` for a decimal string, from its text alone. */
export function signOf(value: string | null | undefined): 'pos' | 'neg' | 'zero' {
  if (value == null || ZERO.test(value)) return 'zero';
  return value.startsWith('-') ? 'neg' : 'pos';
}

/** A decimal as the server wrote it, right-aligned in tabular figures; `—` for null. */
export function Num({ value, signed = false }: { value: string | null | undefined; signed?: boolean }): JSX.Element {
  return <span class={signed ? `num ${signOf(value)}` : 'num'}>{value ?? '—'}</span>;
}

/** A table cell of one figure, named by its field (tests and the flash find it by `data-field`). */
export function NumCell({
  field,
  value,
  signed = false,
}: {
  field: string;
  value: string | null | undefined;
  signed?: boolean;
}): JSX.Element {
  return (
    <td data-field={field}>
      <Num value={value} signed={signed} />
    </td>
  );
}

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/** A timestamp in the viewer's time zone; the UTC instant on hover. */
export function Time({ iso }: { iso: string | null | undefined }): JSX.Element {
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={`${iso.replace('T', ' ').replace('Z', ' UTC')}`}>
      {local.format(new Date(iso))}
    </time>
  );
}

/** How long ago, in words a trader reads at a glance: `4 s`, `3 min`, `2 h`, `5 d`. */
export function ageText(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/**
 * The age of a mark, kept current by one timer for the whole page (see `startAgeClock`): the
 * element carries the instant, the clock rewrites the text once a second without a render.
 */
export function Age({ iso }: { iso: string | null }): JSX.Element {
  return (
    <span class="age" data-since={iso ?? ''} title={iso ?? 'not marked yet'}>
      {ageText(iso, Date.now())}
    </span>
  );
}

/** Rewrites every `Age` on the page once a second. */
export function startAgeClock(): () => void {
  const timer = setInterval(() => {
    const now = Date.now();
    for (const el of document.querySelectorAll<HTMLElement>('.age[data-since]')) {
      const text = ageText(el.dataset.since || null, now);
      if (el.textContent !== text) el.textContent = text;
    }
  }, 1000);
  return () => clearInterval(timer);
}
