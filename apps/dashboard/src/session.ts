import { BrowserLiveClient, RestClient } from '@cpt/realtime-client/browser';

/** Where the key is kept: this tab's session storage, never a URL or a cookie. */
const KEY_ITEM = 'cpt.api-key';

/** The key of this tab, when one was entered. */
export const storedKey = (): string | null => sessionStorage.getItem(KEY_ITEM);

export const storeKey = (key: string): void => sessionStorage.setItem(KEY_ITEM, key);

export const forgetKey = (): void => sessionStorage.removeItem(KEY_ITEM);

/** The gateway's WebSocket on this page's own origin. */
export function liveUrl(): string {
  const url = new URL('/api/v1/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** Both clients of one key: REST for reads and commands, the WebSocket for live state. */
export interface Session {
  key: string;
  rest: RestClient;
  live: BrowserLiveClient;
}

/** Opens both clients; `onUnauthorized` is called when the gateway no longer accepts the key. */
export function openSession(key: string, onUnauthorized: () => void): Session {
  const watched: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (res.status === 401) onUnauthorized();
    return res;
  };
  return {
    key,
    rest: new RestClient({ apiKey: key, fetch: watched }),
    live: new BrowserLiveClient({ url: liveUrl(), apiKey: key, backoff: { initialMs: 250, maxMs: 5_000 } }),
  };
}
