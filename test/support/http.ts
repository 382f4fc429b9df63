import { openOrm } from '@cpt/application';
import { createTestKey, type TestKey, testDatabaseUrl } from '@cpt/testkit';

/** The parts of a response a test asserts on. */
export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

let sharedKey: Promise<TestKey> | undefined;

/** A key (all four scopes) of an account of this test file's own, created once per file. */
export function testKey(): Promise<TestKey> {
  sharedKey ??= (async () => {
    const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 1 });
    try {
      return await createTestKey(orm);
    } finally {
      await orm.close(true);
    }
  })();
  return sharedKey;
}

/** A small JSON client for one service, presenting `key` (this file's test key unless told). */
export function client(base: string, key: Promise<TestKey> | TestKey | null = testKey()) {
  const call = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> => {
    const auth = key === null ? {} : (await key).headers;
    const r = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? { ...auth, ...headers } : { 'content-type': 'application/json', ...auth, ...headers },
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    get: <T = Record<string, unknown>>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body, headers),
    patch: <T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('PATCH', path, body, headers),
  };
}
