import type { CampaignWithTotalsJson } from '@cpt/contracts';
import { PATTERNS_BY_SIDE } from '@cpt/domain';
import type { RestClient } from '@cpt/realtime-client/browser';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type LiveStore, useFollow, useFrames } from '../live.js';
import { hrefOf } from '../router.js';
import { CommandDialog, type Field, type Values } from '../ui/command-dialog.js';
import { describe, NOT_FOUND, type Problem, ProblemBox } from '../ui/errors.js';
import { AutoExitToggle } from './auto-exit-toggle.js';
import { EquityChart } from './equity-chart.js';
import { Journal } from './journal.js';
import { type PositionCommand, PositionPanel } from './position-panel.js';
import { PositionsTable } from './positions-table.js';
import { TotalsBar } from './totals-bar.js';

/** An open command form, with the version the trader saw when opening it: its `If-Match`. */
type Dialog = ({ kind: 'add' } | { kind: 'close-campaign' } | { kind: PositionCommand; positionId: string }) & { version: number };

const DECIMAL_HINT = 'a decimal, at most 8 fractional digits';

const positionFields = (side: 'LONG' | 'SHORT'): Field[] => [
  { name: 'pattern_type', label: 'Pattern', kind: 'select', options: PATTERNS_BY_SIDE[side], required: true },
  { name: 'entry_price', label: 'Entry price', kind: 'decimal', required: true, hint: DECIMAL_HINT },
  { name: 'shares', label: 'Shares', kind: 'decimal', required: true },
  { name: 'stop_loss', label: `Stop (${side === 'LONG' ? 'below' : 'above'} the entry)`, kind: 'decimal', required: true },
  { name: 'entry_fee', label: 'Entry fee', kind: 'decimal' },
  { name: 'entry_date', label: 'Entry date (empty: now)', kind: 'datetime' },
  { name: 'signal_id', label: 'Signal id (optional)', hint: 'the UUID of the signal this entry follows' },
];
const exitFields: Field[] = [
  { name: 'shares', label: 'Shares to exit', kind: 'decimal', required: true },
  { name: 'price', label: 'Exit price', kind: 'decimal', required: true },
  { name: 'fee', label: 'Fee', kind: 'decimal' },
  { name: 'date', label: 'Date (empty: now)', kind: 'datetime' },
];
const stopFields: Field[] = [{ name: 'stop_loss', label: 'New stop', kind: 'decimal', required: true }];
const closeFields: Field[] = [
  { name: 'exit_price', label: 'Exit price', kind: 'decimal', required: true },
  { name: 'fee', label: 'Fee', kind: 'decimal' },
  { name: 'closed_date', label: 'Date (empty: now)', kind: 'datetime' },
];

/** One campaign: its totals, positions, the selected position's exits, its journal and equity, and every command. */
export function CampaignView(props: { id: string; rest: RestClient; store: LiveStore }): JSX.Element {
  const { id, rest, store } = props;
  useFollow(store, [id]);
  useFrames(store);
  const [campaign, setCampaign] = useState<CampaignWithTotalsJson | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const state = store.state(id);
  const version = state?.data.version ?? campaign?.version ?? 0;
  // The campaign's own fields (name, status) change only with its version.
  useEffect(() => {
    let live = true;
    rest.campaign(id).then(
      (c) => {
        if (live) {
          setCampaign(c.body);
          setProblem(null);
        }
      },
      (e) => live && setProblem(describe(e)),
    );
    return () => {
      live = false;
    };
  }, [rest, id, version]);
  const position = state?.data.positions.find((p) => p.id === selected) ?? null;
  const command = (d: Dialog): JSX.Element | null => {
    // A change by anyone else since the form was opened is a 409, shown in words.
    const ifMatch = { ifMatch: d.version };
    const common = {
      onClose: () => setDialog(null),
      // The view is read afresh, and a second try of the same form goes against the version now.
      onConflict: (now: number | undefined) => {
        store.refresh(id);
        if (now !== undefined) setDialog({ ...d, version: now });
      },
    };
    if (d.kind === 'add' && campaign)
      return (
        <CommandDialog
          {...common}
          title={`Add a position to ${campaign.name}`}
          submitLabel="Add position"
          fields={positionFields(campaign.side)}
          run={(v: Values) => rest.addPosition(id, v as never, ifMatch)}
        />
      );
    if (d.kind === 'close-campaign')
      return (
        <CommandDialog
          {...common}
          title="Close the campaign"
          submitLabel="Close campaign"
          fields={[]}
          run={() => rest.closeCampaign(id, ifMatch)}
        >
          <p>A campaign closes once none of its positions is open. It is kept, read-only.</p>
        </CommandDialog>
      );
    if (d.kind === 'exit')
      return (
        <CommandDialog
          {...common}
          title="Exit part of the position"
          submitLabel="Exit"
          fields={exitFields}
          run={(v) => rest.exitPosition(d.positionId, v as never, ifMatch)}
        />
      );
    if (d.kind === 'stop')
      return (
        <CommandDialog
          {...common}
          title="Move the stop"
          submitLabel="Move stop"
          fields={stopFields}
          run={(v) => rest.moveStop(d.positionId, v as never, ifMatch)}
        />
      );
    if (d.kind === 'close')
      return (
        <CommandDialog
          {...common}
          title="Close the position"
          submitLabel="Close position"
          fields={closeFields}
          run={(v) => rest.closePosition(d.positionId, v as never, ifMatch)}
        />
      );
    return null;
  };
  const active = campaign?.status === 'ACTIVE';
  // Another account's campaign is not found either: nothing of it is shown, and nothing more is asked.
  if (!campaign && problem?.title === NOT_FOUND)
    return (
      <article class="campaign">
        <ProblemBox problem={{ title: NOT_FOUND, lines: ['No campaign of this account has this id.'] }} />
        <a href={hrefOf({ view: 'campaigns' })}>Back to the campaigns</a>
      </article>
    );
  return (
    <article class="campaign" aria-busy={!state} data-campaign-id={id} data-version={version}>
      <header class="page-head">
        <div>
          <h1>{campaign ? campaign.name : 'Campaign'}</h1>
          {campaign && (
            <p class="muted">
              {campaign.symbol} · {campaign.timeframe} · {campaign.side} ·{' '}
              <span class={`badge ${active ? 'badge-open' : 'badge-closed'}`}>{campaign.status}</span> · version{' '}
              <span data-testid="version">{version}</span>
            </p>
          )}
          {campaign && (
            <AutoExitToggle
              campaign={campaign}
              version={version}
              rest={rest}
              onChanged={(c) => setCampaign((now) => (now ? { ...now, ...c } : now))}
              onConflict={() => store.refresh(id)}
            />
          )}
        </div>
        <div class="actions">
          <button type="button" class="primary" disabled={!active} onClick={() => setDialog({ kind: 'add', version })}>
            Add position…
          </button>
          <button type="button" disabled={!active} onClick={() => setDialog({ kind: 'close-campaign', version })}>
            Close campaign…
          </button>
        </div>
      </header>
      <ProblemBox problem={problem} />
      {state ? <TotalsBar t={state.data} /> : <p class="muted">Loading the campaign…</p>}
      {state && (
        <PositionsTable
          positions={state.data.positions}
          selected={selected}
          onSelect={(pid) => setSelected(pid === selected ? null : pid)}
        />
      )}
      {position && (
        <PositionPanel
          p={position}
          onClose={() => setSelected(null)}
          onCommand={(kind) => setDialog({ kind, positionId: position.id, version })}
        />
      )}
      <div class="two-cols">
        {campaign && <EquityChart rest={rest} campaignId={id} createdAt={campaign.created_at} version={version} />}
        <Journal rest={rest} campaignId={id} version={version} />
      </div>
      {dialog && command(dialog)}
    </article>
  );
}
