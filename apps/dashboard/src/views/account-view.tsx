import type { AccountViewJson } from '@cpt/contracts';
import type { RestClient } from '@cpt/realtime-client/browser';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { CommandDialog, type Field } from '../ui/command-dialog.js';
import { describe, type Problem, ProblemBox } from '../ui/errors.js';
import { Num, Time } from '../ui/format.js';
import { HeatMeter } from './heat.js';

/** The account: its risk settings (and the command that changes them) and its heat. */
export function AccountView({ rest }: { rest: RestClient }): JSX.Element {
  const [account, setAccount] = useState<AccountViewJson | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    rest.account().then(setAccount, (e) => setProblem(describe(e)));
  }, [rest]);
  const fields: Field[] = account
    ? [
        { name: 'equity', label: 'Equity (empty: no limits)', kind: 'decimal', initial: account.settings.equity ?? '' },
        {
          name: 'max_campaign_risk_pct',
          label: 'Max campaign risk, % of equity',
          kind: 'decimal',
          initial: account.settings.max_campaign_risk_pct,
        },
        {
          name: 'max_portfolio_heat_pct',
          label: 'Max portfolio heat, % of equity',
          kind: 'decimal',
          initial: account.settings.max_portfolio_heat_pct,
        },
      ]
    : [];
  return (
    <section aria-labelledby="account-title">
      <header class="page-head">
        <h1 id="account-title">Account {account && <span class="muted">{account.name}</span>}</h1>
        <button type="button" class="primary" disabled={!account} onClick={() => setEditing(true)}>
          Change risk settings…
        </button>
      </header>
      <ProblemBox problem={problem} />
      {account && (
        <>
          <dl class="facts">
            <dt>Equity</dt>
            <dd>
              <Num value={account.settings.equity} />
            </dd>
            <dt>Max campaign risk</dt>
            <dd>
              <Num value={account.settings.max_campaign_risk_pct} />%
            </dd>
            <dt>Max portfolio heat</dt>
            <dd>
              <Num value={account.settings.max_portfolio_heat_pct} />%
            </dd>
            <dt>Created</dt>
            <dd>
              <Time iso={account.created_at} />
            </dd>
          </dl>
          <HeatMeter account={account} />
        </>
      )}
      {editing && (
        <CommandDialog
          title="Risk settings"
          submitLabel="Save settings"
          fields={fields}
          run={async (v) => {
            // An emptied equity field removes the limits: the API takes null for it.
            setAccount(await rest.updateSettings({ ...v, equity: (v.equity as string | undefined) ?? null } as never));
          }}
          onClose={() => setEditing(false)}
        />
      )}
    </section>
  );
}
