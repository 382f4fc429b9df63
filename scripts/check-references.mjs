// Each package's tsconfig.json references exactly the workspace packages that its compiled sources
// (src/, without tests) import, so that `tsc -b` builds the graph the code has. Part of
// `npm run lint:deps`; prints each mismatch and exits 1 when there is one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['apps', 'libs', 'services'].flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)));
const nameOf = new Map(packages.map((dir) => [JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name, dir]));

/** The .ts and .tsx files under `dir`, without tests. */
function sources(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(path) && !/\.test\.tsx?$/.test(path) ? [path] : [];
  });
}

let failed = false;
for (const dir of packages) {
  const imported = new Set();
  for (const file of sources(join(dir, 'src'))) {
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      const name = fileName.split('/').slice(0, 2).join('/');
      if (nameOf.has(name)) imported.add(relative(root, nameOf.get(name)));
    }
  }
  const config = ts.readConfigFile(join(dir, 'tsconfig.json'), ts.sys.readFile).config;
  const referenced = new Set((config.references ?? []).map((r) => relative(root, resolve(dir, r.path))));
  const where = relative(root, join(dir, 'tsconfig.json'));
  for (const pkg of imported) {
    if (!referenced.has(pkg)) {
      console.log(`${where}: src/ imports ${pkg} but does not reference it`);
      failed = true;
    }
  }
  for (const pkg of referenced) {
    if (!imported.has(pkg)) {
      console.log(`${where}: references ${pkg}, which src/ does not import`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
