import { useEffect, useState } from 'preact/hooks';

/** The views, addressed by the URL's fragment (the server serves only `/`). */
export type Route = { view: 'campaigns' } | { view: 'campaign'; id: string } | { view: 'stats' } | { view: 'account' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseRoute(hash: string): Route {
  const [, view, id] = hash.replace(/^#/, '').split('/');
  if (view === 'campaigns' && id && UUID.test(id)) return { view: 'campaign', id: id.toLowerCase() };
  if (view === 'stats') return { view: 'stats' };
  if (view === 'account') return { view: 'account' };
  return { view: 'campaigns' };
}

export const hrefOf = (r: Route): string => (r.view === 'campaign' ? `#/campaigns/${r.id}` : `#/${r.view}`);

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return route;
}
