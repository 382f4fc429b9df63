/**
 * `npm run migration:create -w @cpt/application -- <PascalCaseName>`: generates the migration that
 * brings the committed migrations to the entities' schema, writes it to src/db/migrations and
 * appends it to the list there. It works on a scratch database (`SCHEMA_DATABASE_URL`, default
 * `campaigns_schema` on the local server), which it empties first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { schemaDiff, withMigratedScratchDatabase } from './db/scratch-database.js';

const name = process.argv[2] ?? '';
if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) {
  console.error('usage: npm run migration:create -w @cpt/application -- <PascalCaseName>, e.g. PositionsTimeframeCheck');
  process.exit(2);
}
const url = new URL(process.env.SCHEMA_DATABASE_URL ?? 'postgres://campaigns:campaigns@127.0.0.1:5432/campaigns_schema');
const database = decodeURIComponent(url.pathname.slice(1));
const dir = fileURLToPath(new URL('./db/migrations/', import.meta.url));
const kebab = name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

await withMigratedScratchDatabase(url.toString(), database, async (orm) => {
  if ((await schemaDiff(orm)).trim() === '') {
    console.log('the migrations already give the entities’ schema: nothing to generate');
    return;
  }
  const created = await orm.getMigrator().createMigration(dir, false, false, kebab);
  // The generator names the class `Migration<timestamp>_<name>`; the list names it without the underscore.
  const generated = `${dir}${created.fileName}`;
  const timestamp = /migration-(\d{14})-/.exec(created.fileName)?.[1] ?? '';
  const badClass = `Migration${timestamp}_${kebab}`;
  const className = `Migration${timestamp}${name}`;
  writeFileSync(generated, readFileSync(generated, 'utf8').replace(badClass, className));
  const index = `${dir}index.ts`;
  const module = `./${created.fileName.replace(/\.ts$/, '.js')}`;
  const lines = readFileSync(index, 'utf8').split('\n');
  const lastImport = lines.findLastIndex((l) => l.startsWith('import '));
  lines.splice(lastImport + 1, 0, `import { ${className} } from '${module}';`);
  const list = lines.join('\n').replace(/\n\];\s*$/, `\n  { name: '${className}', class: ${className} },\n];\n`);
  writeFileSync(index, list);
  console.log(`generated ${generated} and listed it in ${index}; review it, then run npm run format`);
});
