import type { AccountViewJson, CampaignWithTotalsJson } from '@cpt/contracts';
import { SIDES, TIMEFRAMES } from '@cpt/domain';
import type { RestClient } from '@cpt/realtime-client/browser';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type LiveStore, useFollow, useFrames } from '../live.js';
import { hrefOf } from '../router.js';
import { CommandDialog, type Field } from '../ui/command-dialog.js';
import { describe, type Problem, ProblemBox } from '../ui/errors.js';
import { NumCell, Time } from '../ui/format.js';
import { ExposureCell, HeatMeter } from './heat.js';

const campaignFields: Field[] = [
  { name: 'name', label: 'Name', required: true },
  { name: 'symbol', label: 'Symbol', required: true, hint: 'A-Z 0-9 . _ : / -' },
  { name: 'timeframe', label: 'Timeframe', kind: 'select', options: TIMEFRAMES, initial: '1h' },
  { name: 'side', label: 'Side', kind: 'select', options: SIDES, initial: 'LONG' },
];

/** Reads the account (heat, exposures) now and after every structural change, at most every 2 s. */
function useAccount(rest: RestClient, store: LiveStore): AccountViewJson | null {
  const [account, setAccount] = useState<AccountViewJson | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const read = () => {
      timer = undefined;
      rest.account().then(
        (a) => live && setAccount(a),
        () => undefined,
      );
    };
    read();
    const off = store.onChange(() => {
      timer ??= setTimeout(read, 2000);
    });
    return () => {
      live = false;
      off();
      clearTimeout(timer);
    };
  }, [rest, store]);
  return account;
}

/** The account's campaigns with live totals, its heat against its limits, and new campaigns. */
export function CampaignList(props: { rest: RestClient; store: LiveStore }): JSX.Element {
  const { rest, store } = props;
  const [status, setStatus] = useState<'ACTIVE' | 'CLOSED'>('ACTIVE');
  const [items, setItems] = useState<CampaignWithTotalsJson[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [creating, setCreating] = useState(false);
  const [reload, setReload] = useState(0);
  const account = useAccount(rest, store);
  useFrames(store);
  useFollow(
    store,
    items.filter((c) => c.status === 'ACTIVE').map((c) => c.id),
  );
  const load = (after: string | null) =>
    rest.listCampaigns({ status, limit: 50, ...(after && { cursor: after }) }).then(
      (page) => {
        setItems((prev) => (after ? [...prev, ...page.items] : page.items));
        setCursor(page.next_cursor);
        setProblem(null);
      },
      (e) => setProblem(describe(e)),
    );
  useEffect(() => {
    void load(null);
  }, [status, reload]);
  return (
    <section aria-labelledby="campaigns-title">
      <header class="page-head">
        <h1 id="campaigns-title">Campaigns</h1>
        <div class="actions">
          <div role="tablist" aria-label="Status" class="tabs">
            {(['ACTIVE', 'CLOSED'] as const).map((s) => (
              <button key={s} type="button" role="tab" aria-selected={status === s} onClick={() => setStatus(s)}>
                {s === 'ACTIVE' ? 'Active' : 'Closed'}
              </button>
            ))}
          </div>
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New campaign…
          </button>
        </div>
      </header>
      {account && <HeatMeter account={account} />}
      <ProblemBox problem={problem} />
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls sideways must take the focus, or a keyboard cannot scroll it */}
      <section class="table-wrap" tabIndex={0} aria-label="Campaign list">
        <table class="campaigns">
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col">Symbol</th>
              <th scope="col">Side</th>
              <th scope="col" class="right">
                Open
              </th>
              <th scope="col" class="right">
                Shares
              </th>
              <th scope="col" class="right">
                Avg entry
              </th>
              <th scope="col" class="right">
                Unrealized
              </th>
              <th scope="col" class="right">
                Net P&amp;L
              </th>
              <th scope="col" class="right">
                R
              </th>
              <th scope="col" class="right">
                Exposure
              </th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => {
              // Live totals once the campaign's snapshot arrived; the list's own until then.
              const t = store.state(c.id)?.data ?? c;
              return (
                <tr key={c.id} data-campaign-id={c.id}>
                  <th scope="row">
                    <a href={hrefOf({ view: 'campaign', id: c.id })}>{c.name}</a>
                  </th>
                  <td>{c.symbol}</td>
                  <td>{c.side}</td>
                  <td class="right num">{t.open_positions_count}</td>
                  <NumCell field="total_shares" value={t.total_shares} />
                  <NumCell field="weighted_avg_entry" value={t.weighted_avg_entry} />
                  <NumCell field="unrealized_pnl" value={t.unrealized_pnl} signed />
                  <NumCell field="net_pnl" value={t.net_pnl} signed />
                  <NumCell field="r_multiple" value={t.r_multiple} signed />
                  <td class="right">
                    <ExposureCell account={account} campaignId={c.id} />
                  </td>
                  <td>
                    <Time iso={t.as_of ?? c.updated_at} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {items.length === 0 && !problem && <p class="muted empty">No {status.toLowerCase()} campaigns.</p>}
      </section>
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          More campaigns
        </button>
      )}
      {creating && (
        <CommandDialog
          title="New campaign"
          submitLabel="Create campaign"
          fields={campaignFields}
          run={async (v) => {
            const c = await rest.createCampaign(v as never);
            location.hash = hrefOf({ view: 'campaign', id: c.body.id });
          }}
          onClose={() => {
            setCreating(false);
            setReload((n) => n + 1);
          }}
        />
      )}
    </section>
  );
}
