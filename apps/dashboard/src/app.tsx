import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type LinkState, LiveStore, useFrames } from './live.js';
import { hrefOf, type Route, useRoute } from './router.js';
import { forgetKey, openSession, storedKey, storeKey } from './session.js';
import { startAgeClock } from './ui/format.js';
import { AccountView } from './views/account-view.js';
import { CampaignList } from './views/campaign-list.js';
import { CampaignView } from './views/campaign-view.js';
import { KeyEntry } from './views/key-entry.js';
import { StatsView } from './views/stats-view.js';

function LinkBadge({ link }: { link: LinkState }): JSX.Element {
  const text = link.kind === 'live' ? 'Live' : link.kind === 'connecting' ? 'Connecting…' : `Reconnecting… (attempt ${link.attempt})`;
  return (
    <span class={`link-state link-${link.kind}`} role="status" aria-live="polite" data-link={link.kind}>
      {text}
    </span>
  );
}

const NAV: readonly [Route, string][] = [
  [{ view: 'campaigns' }, 'Campaigns'],
  [{ view: 'stats' }, 'Statistics'],
  [{ view: 'account' }, 'Account'],
];

function Dashboard(props: { keyText: string; onSignOut: (notice?: string) => void }): JSX.Element {
  const session = useMemo(
    () => openSession(props.keyText, () => props.onSignOut('The gateway no longer accepts this key.')),
    [props.keyText],
  );
  const store = useMemo(() => new LiveStore(session.live), [session]);
  useEffect(() => () => store.close(), [store]);
  useEffect(startAgeClock, []);
  useFrames(store);
  const route = useRoute();
  const current = route.view === 'campaign' ? 'campaigns' : route.view;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/campaigns">
          Position tracking
        </a>
        <nav aria-label="Views">
          {NAV.map(([r, label]) => (
            <a key={label} href={hrefOf(r)} aria-current={current === r.view ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <LinkBadge link={store.link} />
        <button type="button" class="link" onClick={() => props.onSignOut()}>
          Sign out
        </button>
      </header>
      <main>
        {route.view === 'campaign' ? (
          <CampaignView key={route.id} id={route.id} rest={session.rest} store={store} />
        ) : route.view === 'stats' ? (
          <StatsView rest={session.rest} />
        ) : route.view === 'account' ? (
          <AccountView rest={session.rest} />
        ) : (
          <CampaignList rest={session.rest} store={store} />
        )}
      </main>
    </>
  );
}

/** The key gate, then the dashboard. */
export function App(): JSX.Element {
  const [key, setKey] = useState(storedKey);
  const [notice, setNotice] = useState<string | null>(null);
  if (!key)
    return (
      <KeyEntry
        notice={notice}
        onKey={(k) => {
          storeKey(k);
          setNotice(null);
          setKey(k);
        }}
      />
    );
  return (
    <Dashboard
      keyText={key}
      onSignOut={(why) => {
        forgetKey();
        setNotice(why ?? null);
        setKey(null);
      }}
    />
  );
}
