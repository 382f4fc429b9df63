import type { FastifyInstance } from 'fastify';

interface Route {
  pattern: RegExp;
  methods: Set<string>;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A route's URL as a regular expression over request paths, the router's way: `:name` is one
 * segment, `:name(regex)` one segment matching the regex, `*` the rest, `::` a literal colon, and
 * a trailing slash is ignored.
 */
export function routePattern(url: string): RegExp {
  let src = '';
  let i = 0;
  const trimmed = url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url;
  while (i < trimmed.length) {
    const ch = trimmed[i] as string;
    if (ch === ':' && trimmed[i + 1] === ':') {
      src += ':';
      i += 2;
    } else if (ch === ':') {
      i++;
      while (i < trimmed.length && /[\w$]/.test(trimmed[i] as string)) i++;
      if (trimmed[i] === '(') {
        let depth = 0;
        const from = i;
        do {
          if (trimmed[i] === '(') depth++;
          else if (trimmed[i] === ')') depth--;
          i++;
        } while (i < trimmed.length && depth > 0);
        src += `(?:${trimmed
          .slice(from + 1, i - 1)
          .replace(/^\^/, '')
          .replace(/\$$/, '')})`;
      } else {
        src += '[^/]+?';
      }
    } else if (ch === '*') {
      src += '.*';
      i++;
    } else {
      src += escapeRegExp(ch);
      i++;
    }
  }
  return new RegExp(`^${src}/?$`);
}

/** The path of a request URL, decoded as the router decodes it; undecodable paths stay as sent. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

/**
 * The methods each registered path answers, collected as routes are added, so that a request
 * fastify finds no route for can be told apart: a path that exists with other methods (405,
 * with `Allow`) from a path that does not exist (404).
 */
export function trackRouteMethods(app: FastifyInstance): (url: string) => string[] {
  const routes = new Map<string, Route>();
  app.addHook('onRoute', (route) => {
    // The CORS preflight answers OPTIONS on every path; it does not make a path exist.
    if (route.url === '*' && route.method === 'OPTIONS') return;
    const key = route.url;
    const entry = routes.get(key) ?? { pattern: routePattern(key), methods: new Set<string>() };
    for (const m of Array.isArray(route.method) ? route.method : [route.method]) entry.methods.add(m);
    routes.set(key, entry);
  });
  return (url) => {
    const path = pathOf(url);
    const allowed = new Set<string>();
    for (const r of routes.values()) if (r.pattern.test(path)) for (const m of r.methods) allowed.add(m);
    return [...allowed].sort();
  };
}
