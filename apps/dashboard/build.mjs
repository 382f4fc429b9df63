// Bundles the dashboard into dist/: index.html, and assets/ whose names carry a content hash (so
// that the gateway may let browsers keep them for good). `node build.mjs` builds once and prints
// each file's size, raw and gzip; `--watch` rebuilds on every change.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, 'dist');

/** index.html with the entry's script and style sheet; no inline script (the CSP forbids it). */
function page(script, style) {
  return readFileSync(join(root, 'src/index.html'), 'utf8')
    .replace('%SCRIPT%', `/assets/${basename(script)}`)
    .replace('%STYLE%', `/assets/${basename(style)}`);
}

/** Writes index.html for the build's entry, and prints the size of every file. */
const indexPage = {
  name: 'index-page',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length > 0) return;
      const outputs = Object.entries(result.metafile.outputs).filter(([file]) => !file.endsWith('.map'));
      const [entry, meta] = outputs.find(([, o]) => o.entryPoint?.endsWith('src/main.tsx')) ?? [];
      if (!entry || !meta?.cssBundle) throw new Error('the build made no entry script or style sheet');
      writeFileSync(join(out, 'index.html'), page(entry, meta.cssBundle));
      let raw = 0;
      let zipped = 0;
      const lines = outputs.map(([file]) => {
        const bytes = readFileSync(file);
        const gz = gzipSync(bytes, { level: 9 }).length;
        raw += bytes.length;
        zipped += gz;
        return `  ${relative(out, file).padEnd(40)} ${(bytes.length / 1024).toFixed(1).padStart(7)} KiB  gzip ${(gz / 1024).toFixed(1).padStart(6)} KiB`;
      });
      const first = [entry, meta.cssBundle, ...meta.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)];
      const firstGz = first.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
      console.log(`[dashboard] ${relative(process.cwd(), out) || '.'}:\n${lines.join('\n')}`);
      console.log(
        `[dashboard] all files ${(raw / 1024).toFixed(1)} KiB, gzip ${(zipped / 1024).toFixed(1)} KiB; loaded before the first render: gzip ${(firstGz / 1024).toFixed(1)} KiB`,
      );
    });
  },
};

const watch = process.argv.includes('--watch');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
writeFileSync(join(out, 'assets/favicon.svg'), readFileSync(join(root, 'src/favicon.svg')));
const options = {
  entryPoints: [join(root, 'src/main.tsx')],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2022', 'chrome111', 'firefox115', 'safari16'],
  // Workspace libraries are bundled from their TypeScript sources: no build of them needed first.
  conditions: ['source', 'browser'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: 'linked',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
  plugins: [indexPage],
};
if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log('[dashboard] watching src/ for changes');
} else {
  await esbuild.build(options);
}
