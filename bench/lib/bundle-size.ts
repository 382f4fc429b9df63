import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** One file of the dashboard's build, in bytes (gzip at level 9, as apps/dashboard/build.mjs counts). */
export interface BuiltFile {
  file: string;
  bytes: number;
  gzip: number;
  /** Loaded before the first render: the entry script, its style sheet and what the entry imports statically. */
  first: boolean;
}

export interface BundleSizes {
  files: BuiltFile[];
  /** Sums over the files loaded before the first render, over every script and style sheet, and over the rest (lazily loaded). */
  first: { bytes: number; gzip: number };
  all: { bytes: number; gzip: number };
  lazy: { bytes: number; gzip: number };
}

/** `import … from "./x.js"` and `import "./x.js"` in esbuild's output; not `import("./x.js")`, which loads lazily. */
const STATIC_IMPORT = /\bimport\s*(?:[\w$*{},\s]+?\s*from\s*)?["']\.\/([\w.-]+\.js)["']/g;

/**
 * The sizes of the dashboard's build in `dist` (index.html and assets/): the page's entry script
 * and style sheet, read from index.html, and the scripts they import statically, followed from file
 * to file, load before the first render; every other script (the equity chart's chunk) loads when
 * it is shown. Source maps and license notes are not counted: a browser fetches neither.
 */
export function bundleSizes(dist: string): BundleSizes {
  const assets = join(dist, 'assets');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const entry = /<script[^>]*\ssrc="\/assets\/([\w.-]+\.js)"/.exec(html)?.[1];
  const style = /<link[^>]*\shref="\/assets\/([\w.-]+\.css)"/.exec(html)?.[1];
  if (!entry || !style) throw new Error(`${dist}/index.html names no entry script or style sheet`);
  const first = new Set([entry, style]);
  const todo = [entry];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    for (const m of readFileSync(join(assets, f), 'utf8').matchAll(STATIC_IMPORT)) {
      const imported = m[1] as string;
      if (!first.has(imported)) {
        first.add(imported);
        todo.push(imported);
      }
    }
  }
  const files = readdirSync(assets)
    .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
    .sort()
    .map((file) => {
      const bytes = readFileSync(join(assets, file));
      return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, first: first.has(file) };
    });
  const sum = (fs: BuiltFile[]) => ({ bytes: fs.reduce((s, f) => s + f.bytes, 0), gzip: fs.reduce((s, f) => s + f.gzip, 0) });
  return { files, first: sum(files.filter((f) => f.first)), all: sum(files), lazy: sum(files.filter((f) => !f.first)) };
}
