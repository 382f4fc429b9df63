/** One HTTP exchange of the run that did not end in an acceptable answer. */
export interface Odd {
  /** Milliseconds since the start of the load. */
  at: number;
  who: string;
  what: string;
  status?: number;
  detail: string;
}

/** A stretch of time in which an instance answered 503. */
export interface Episode {
  who: string;
  what: string;
  from: number;
  to: number;
  count: number;
}

/** Two 503 answers of one instance further apart than this belong to different episodes. */
const EPISODE_GAP_MS = 2000;

/**
 * Every HTTP answer of the run, by service and status: the contract allows 2xx, and 503 while
 * Kafka cannot take or give what is asked; anything else (and a request left without an answer)
 * is kept with its details.
 */
export class HttpLog {
  readonly byService = new Map<string, Map<number, number>>();
  readonly unexpected: Odd[] = [];
  readonly noAnswer: Odd[] = [];
  /** Requests in flight to a process when it was killed (SIGKILL takes them down with it). */
  readonly cut: Odd[] = [];
  private readonly unavailable = new Map<string, number[]>();

  constructor(readonly t0: number) {}

  now(): number {
    return Date.now() - this.t0;
  }

  answered(service: string, who: string, what: string, status: number, body: string): void {
    const counts = this.byService.get(service) ?? new Map<number, number>();
    counts.set(status, (counts.get(status) ?? 0) + 1);
    this.byService.set(service, counts);
    if (status === 503) {
      const key = `${who}\n${what}`;
      const times = this.unavailable.get(key) ?? [];
      times.push(this.now());
      this.unavailable.set(key, times);
    } else if (status < 200 || status > 299) {
      this.unexpected.push({ at: this.now(), who, what, status, detail: body.slice(0, 300) });
    }
  }

  failed(who: string, what: string, error: unknown): void {
    const detail = error instanceof Error ? `${error.name}: ${error.message}${causeOf(error)}` : String(error);
    this.noAnswer.push({ at: this.now(), who, what, detail });
  }

  cutByCrash(who: string, what: string): void {
    this.cut.push({ at: this.now(), who, what, detail: 'its process was killed' });
  }

  /** The 503 answers of each instance and route, grouped into episodes. */
  episodes(): Episode[] {
    const out: Episode[] = [];
    for (const [key, times] of this.unavailable) {
      const [who = '', what = ''] = key.split('\n');
      let current: Episode | undefined;
      for (const t of times) {
        if (current && t - current.to <= EPISODE_GAP_MS) {
          current.to = t;
          current.count++;
        } else {
          current = { who, what, from: t, to: t, count: 1 };
          out.push(current);
        }
      }
    }
    return out.sort((a, b) => a.from - b.from);
  }

  count(service: string, match: (status: number) => boolean): number {
    let n = 0;
    for (const [status, c] of this.byService.get(service) ?? []) if (match(status)) n += c;
    return n;
  }
}

const causeOf = (e: Error): string => {
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? ` (${(cause as { code?: string }).code ?? cause.message})` : '';
};
