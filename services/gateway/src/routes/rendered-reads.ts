import type { CampaignStamp } from '@cpt/application';
import { NotFoundError } from '@cpt/domain';
import { counter, gauge, type MetricsRegistry } from '@cpt/platform';

/** A read as sent: its JSON bytes, and the campaign's stamp in the snapshot it was read in. */
export interface RenderedRead {
  body: Buffer;
  stamp: CampaignStamp;
}

export interface RenderedReadsOptions {
  /** The most bytes of rendered bodies kept (the least recently used go first); 0 keeps none. */
  maxBytes: number;
  /** Where the account's campaign stands now; undefined when the account has no such campaign. */
  stampOf: (accountId: string, campaignId: string) => Promise<CampaignStamp | undefined>;
}

/** What the cache counts, for `/metrics`. */
export interface RenderedReadsStats {
  hits: number;
  misses: number;
  evictions: number;
  entries: number;
  bytes: number;
}

interface Entry {
  read: RenderedRead;
  size: number;
}

// What an entry costs besides its body: its key, the map's slot, the objects around the bytes.
const ENTRY_OVERHEAD = 256;

const sameStamp = (a: CampaignStamp, b: CampaignStamp): boolean => a.seq === b.seq && a.version === b.version;

/**
 * The campaign reads this gateway rendered, kept as the bytes it sent, until the campaign changes.
 *
 * Every read first asks the database where the account's campaign stands (its `last_seq` and
 * version, one indexed statement scoped to the account), and is served from memory only when the
 * kept body was rendered at exactly that stamp. Every change of a campaign or of its positions
 * bumps `last_seq` in its own transaction, whichever process made it, so a read never shows
 * anything older than what the database held when the read began (a change made through another
 * gateway instance included), and an account never gets another account's body: the account is
 * part of the key and of the statement, and a campaign the account does not have is `not_found`
 * before anything kept is looked at.
 *
 * Requests that miss at the same stamp share one rendering. The bound is on the bytes of the whole
 * process (least recently used first out); there is no bound per account or per caller.
 */
export class RenderedReads {
  private readonly entries = new Map<string, Entry>();
  private readonly rendering = new Map<string, { stamp: CampaignStamp; read: Promise<RenderedRead> }>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(private readonly opts: RenderedReadsOptions) {}

  /**
   * The body of the read `view` of the account's campaign: kept, when it was rendered at the
   * campaign's current stamp; else rendered by `render` (in a snapshot of its own) and kept.
   * `not_found` when the account has no such campaign.
   */
  async read(accountId: string, campaignId: string, view: string, render: () => Promise<RenderedRead>): Promise<RenderedRead> {
    if (this.opts.maxBytes === 0) return render();
    const stamp = await this.opts.stampOf(accountId, campaignId);
    if (!stamp) throw new NotFoundError('campaign', campaignId);
    const key = `${accountId}/${campaignId}/${view}`;
    const kept = this.entries.get(key);
    if (kept && sameStamp(kept.read.stamp, stamp)) {
      this.hits++;
      // Most recently used last: eviction takes the map's first entries.
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept.read;
    }
    this.misses++;
    // A rendering started at this stamp began after it was committed: it shows that or later.
    const pending = this.rendering.get(key);
    if (pending && sameStamp(pending.stamp, stamp)) return pending.read;
    const read = render();
    this.rendering.set(key, { stamp, read });
    try {
      const r = await read;
      this.keep(key, r);
      return r;
    } finally {
      if (this.rendering.get(key)?.read === read) this.rendering.delete(key);
    }
  }

  stats(): RenderedReadsStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, entries: this.entries.size, bytes: this.bytes };
  }

  private keep(key: string, read: RenderedRead): void {
    const old = this.entries.get(key);
    // A slower rendering of an older state does not replace a newer one.
    if (old && old.read.stamp.seq > read.stamp.seq) return;
    if (old) this.drop(key, old);
    const size = read.body.length + ENTRY_OVERHEAD;
    if (size > this.opts.maxBytes) return;
    this.entries.set(key, { read, size });
    this.bytes += size;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.opts.maxBytes) break;
      this.drop(k, e);
      this.evictions++;
    }
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.size;
  }
}

/** The cache's counts, read at each scrape. */
export function registerRenderedReadsMetrics(registry: MetricsRegistry, cache: RenderedReads): void {
  counter(registry, {
    name: 'cpt_rendered_reads_total',
    help: 'GET /api/v1/campaigns/{id} and …/positions answered from a body kept at the campaign’s current stamp (hit) or rendered (miss).',
    labelNames: ['result'] as const,
    collect() {
      const s = cache.stats();
      this.reset();
      this.inc({ result: 'hit' }, s.hits);
      this.inc({ result: 'miss' }, s.misses);
    },
  });
  counter(registry, {
    name: 'cpt_rendered_reads_evictions_total',
    help: 'Kept bodies dropped to stay within READ_CACHE_BYTES, least recently used first.',
    collect() {
      this.reset();
      this.inc(cache.stats().evictions);
    },
  });
  gauge(registry, {
    name: 'cpt_rendered_reads_bytes',
    help: 'Bytes of rendered bodies kept (with a fixed overhead per entry), at most READ_CACHE_BYTES.',
    collect() {
      this.set(cache.stats().bytes);
    },
  });
}
