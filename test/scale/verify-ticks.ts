import type { MikroORM } from '@cpt/application';
import type { SentTick, TickFeed } from './feed.js';
import type { Fleet } from './fleet.js';
import { count, type Report } from './report.js';
import { type Campaign, sqlRows } from './setup.js';
import type { Read } from './topics.js';

/** A price as the feed wrote it (4 decimals), whatever the digits it comes back with. */
const price4 = (p: string): string => Number(p).toFixed(4);
const tickKey = (symbol: string, ts: number): string => `${symbol}|${ts}`;

/** The tick that must be every open position's mark, per symbol. */
export type Marks = Map<string, { ts: number; price: string }>;

/**
 * Section 4: every tick answered 202 is in `market.ticks`. Returns the mark each symbol must
 * have: its newest tick on the topic by ts (section 6 makes marks a function of the ticks there).
 */
export function checkTicks(report: Report, feed: TickFeed, symbols: readonly string[], topic: readonly Read[]): Marks {
  const published = new Map<string, { price: string; copies: number }>();
  const newest: Marks = new Map();
  for (const m of topic) {
    const v = JSON.parse(m.value) as { symbol: string; price: string; ts: string };
    if (!symbols.includes(v.symbol)) continue;
    const ts = Date.parse(v.ts);
    const key = tickKey(v.symbol, ts);
    const seen = published.get(key);
    published.set(key, { price: price4(v.price), copies: (seen?.copies ?? 0) + 1 });
    const best = newest.get(v.symbol);
    if (!best || ts > best.ts) newest.set(v.symbol, { ts, price: price4(v.price) });
  }
  const by = (o: SentTick['outcome']) => feed.ticks.filter((t) => t.outcome === o);
  const acked = by('acked');
  const lost = acked.filter((t) => published.get(tickKey(t.symbol, t.ts))?.price !== price4(t.price));
  const onTopic = (ts: readonly SentTick[]) => ts.filter((t) => published.has(tickKey(t.symbol, t.ts))).length;
  const copies = [...published.values()].filter((p) => p.copies > 1).length;
  report.say(
    `ticks: ${feed.ticks.length} sent; ${acked.length} acknowledged (202), ${by('unavailable').length} answered 503, ` +
      `${by('no-answer').length} without an answer, ${by('other').length} with another status; ${published.size} on market.ticks` +
      (copies > 0 ? ` (${copies} of them twice or more)` : ''),
  );
  report.say(`ticks acknowledged and lost: ${lost.length}`);
  for (const t of lost.slice(0, 10))
    report.problem(
      `tick ${t.symbol} ${new Date(t.ts).toISOString()} ${t.price} was answered 202 (via ${t.via}) and is not on market.ticks`,
    );
  if (lost.length > 10) report.problem(`... and ${lost.length - 10} more acknowledged ticks missing from market.ticks`);
  const late = onTopic(by('unavailable'));
  if (late > 0) {
    // Section 4: a 503 means nothing of the request was published (and a feed that retries it
    // would duplicate its ticks).
    report.problem(`${count(late, 'tick')} answered 503 are on market.ticks: a 503 must mean that nothing was published`);
  }
  const noAnswer = onTopic(by('no-answer'));
  if (noAnswer > 0) report.note(`${count(noAnswer, 'tick')} of requests that got no answer are on market.ticks`);
  for (const symbol of symbols) {
    const a = feed.newestAcked(symbol);
    const n = newest.get(symbol);
    if (a && n && n.ts > a.ts) {
      report.note(
        `${symbol}: the newest tick on market.ticks (${new Date(n.ts).toISOString()}) was not acknowledged; it is the mark all the same`,
      );
    }
  }
  return newest;
}

/**
 * Section 6: the mark of every OPEN position of each symbol is its newest tick, in PostgreSQL and
 * through the REST API of every gateway. Returns the REST state of each campaign (from the first
 * gateway), after checking that every gateway answers the same.
 */
export async function checkMarks(
  report: Report,
  orm: MikroORM,
  fleet: Fleet,
  campaigns: readonly Campaign[],
  marks: Marks,
): Promise<Map<string, unknown>> {
  const rows = await sqlRows<{ id: string; symbol: string; current_price: string; marked_at: Date | null }>(
    orm,
    // Section 6: an OPEN position carries its symbol's mark once that mark is not before its entry.
    `select p.id::text, p.symbol, coalesce(m.price, p.current_price)::text as current_price, coalesce(m.ts, p.marked_at) as marked_at
       from positions p left join symbol_marks m on m.symbol = p.symbol and m.ts >= p.entry_date
      where p.campaign_id in (?) and p.status = 'OPEN'`,
    [campaigns.map((c) => c.id)],
  );
  const wrong = (price: string | undefined, at: string | number | Date | null | undefined, symbol: string): boolean => {
    const m = marks.get(symbol);
    return !m || price === undefined || price4(price) !== m.price || at === null || at === undefined || new Date(at).getTime() !== m.ts;
  };
  let dbWrong = 0;
  for (const r of rows) {
    if (!wrong(r.current_price, r.marked_at, r.symbol)) continue;
    dbWrong++;
    const m = marks.get(r.symbol);
    report.problem(
      `position ${r.id} (${r.symbol}) in PostgreSQL: ${r.current_price} at ${r.marked_at ? new Date(r.marked_at).toISOString() : null}; its newest tick is ${m?.price} at ${m ? new Date(m.ts).toISOString() : '?'}`,
    );
  }
  const rest = new Map<string, unknown>();
  let restWrong = 0;
  let differ = 0;
  for (const c of campaigns) {
    const bodies: string[] = [];
    for (const gw of fleet.of('gateway')) {
      const r = await fleet.call(gw, 'GET /api/v1/campaigns/{id}/positions', `/api/v1/campaigns/${c.id}/positions`, {
        headers: { authorization: `Bearer ${c.key}` },
      });
      if (r?.status !== 200) {
        report.problem(`GET positions of ${c.id} on ${gw.name} at the end: ${r?.status ?? 'no answer'}`);
        continue;
      }
      bodies.push(r.body);
      const view = JSON.parse(r.body) as { positions: { id: string; status: string; current_price: string; marked_at: string | null }[] };
      if (!rest.has(c.id)) rest.set(c.id, view);
      for (const p of view.positions) {
        if (p.status !== 'OPEN' || !wrong(p.current_price, p.marked_at, c.symbol)) continue;
        restWrong++;
        report.problem(
          `position ${p.id} (${c.symbol}) on ${gw.name}: ${p.current_price} at ${p.marked_at}; its newest tick is ${marks.get(c.symbol)?.price}`,
        );
      }
    }
    if (new Set(bodies.map((b) => JSON.stringify(JSON.parse(b)))).size > 1) {
      differ++;
      report.problem(`the gateways answer different states of campaign ${c.id}`);
    }
  }
  report.say(
    `marks: the newest tick of its symbol is the mark of ${rows.length - dbWrong}/${rows.length} open positions in PostgreSQL and ` +
      `${rows.length * fleet.of('gateway').length - restWrong}/${rows.length * fleet.of('gateway').length} on the gateways' REST API; ` +
      `both gateways answer the same state for ${campaigns.length - differ}/${campaigns.length} campaigns`,
  );
  return rest;
}
