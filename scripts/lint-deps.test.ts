import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * `npm run lint:deps`, the dependency check that `make lint` runs after biome (`npm run lint`):
 * its exit code and everything it printed.
 */
function lintDeps(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'lint:deps'], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

// Probe files are added for the length of one check (one run of the check for all of them, which
// takes a third of a minute here) and removed in `finally`; their names match *.probe.ts, which git
// (and so biome) ignores, and carry the process id, so that two runs side by side do not remove
// each other's.
const probes = {
  // libs/platform declares no decimal.js (libs/domain does, so it is installed).
  source: { file: `libs/platform/src/undeclared-${process.pid}.probe.ts`, text: "import 'decimal.js';\n" },
  // A test of price-ingest imports ws, which services/price-ingest/package.json does not declare.
  test: { file: `services/price-ingest/test/undeclared-${process.pid}.probe.ts`, text: "import 'ws';\n" },
  // Beside the dashboard's sources (not in src/, which its own build and type-check read).
  app: {
    file: `apps/dashboard/imports-${process.pid}.probe.ts`,
    text: [
      "import 'node:fs';",
      "import '@cpt/application';",
      "import '@cpt/realtime-client';",
      "import * as contracts from '@cpt/contracts';",
      "import type { CampaignJson } from '@cpt/contracts';",
      "import { ApiError } from '@cpt/realtime-client/browser';",
      'export type Probe = [CampaignJson, typeof contracts, ApiError];',
      '',
    ].join('\n'),
  },
  lib: { file: `libs/platform/src/app-${process.pid}.probe.ts`, text: "import '@cpt/dashboard/package.json';\n" },
};

let result: { code: number; output: string };
beforeAll(async () => {
  try {
    for (const { file, text } of Object.values(probes)) writeFileSync(join(root, file), text);
    result = await lintDeps();
  } finally {
    for (const { file } of Object.values(probes)) rmSync(join(root, file), { force: true });
  }
}, 180_000);

it('make lint fails on an import of a package that the importing package does not declare', () => {
  const { code, output } = result;
  expect(code, output).not.toBe(0);
  expect(output).toContain(`undeclared-dependency: ${probes.source.file} → node_modules/decimal.js/`);
  expect(output).toContain(`undeclared-test-dependency: ${probes.test.file} → node_modules/ws/`);
});

it('make lint fails when the dashboard imports what a browser bundle must not, or anything imports the dashboard', () => {
  const { code, output } = result;
  expect(code, output).not.toBe(0);
  const app = probes.app.file;
  expect(output).toContain(`app-imports-no-node-builtin: ${app} → fs`);
  expect(output).toContain(`app-runs-in-a-browser: ${app} → fs`);
  expect(output).toContain(`app-runs-in-a-browser: ${app} → node_modules/@cpt/application/`);
  expect(output).toContain(`app-runs-in-a-browser: ${app} → node_modules/@cpt/realtime-client/src/index.ts`);
  expect(output).toContain(`app-uses-contract-types-only: ${app} → node_modules/@cpt/contracts/`);
  // The type-only import of the contract and the browser entry of the client are what an app may use.
  expect(output.match(new RegExp(`app-uses-contract-types-only: ${app}`, 'g'))).toHaveLength(1);
  expect(output).not.toContain(`${app} → node_modules/@cpt/realtime-client/src/browser.ts`);
  expect(output).toContain(`nothing-imports-an-app: ${probes.lib.file} → node_modules/@cpt/dashboard/package.json`);
});
