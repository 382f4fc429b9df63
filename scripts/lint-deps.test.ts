import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

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

// Probe files are added for the length of one check and removed in `finally`; their names
// match *.probe.ts, which git (and so biome) ignores, and carry the process id, so that two runs
// side by side do not remove each other's.
it('make lint fails on an import of a package that the importing package does not declare', async () => {
  const probes = {
    // libs/platform declares no decimal.js (libs/domain does, so it is installed).
    source: { file: `libs/platform/src/undeclared-${process.pid}.probe.ts`, text: "import 'decimal.js';\n" },
    // A test of price-ingest imports ws, which services/price-ingest/package.json does not declare.
    test: { file: `services/price-ingest/test/undeclared-${process.pid}.probe.ts`, text: "import 'ws';\n" },
  };
  try {
    for (const { file, text } of Object.values(probes)) writeFileSync(join(root, file), text);
    const { code, output } = await lintDeps();
    expect(code, output).not.toBe(0);
    expect(output).toContain(`undeclared-dependency: ${probes.source.file} → node_modules/decimal.js/`);
    expect(output).toContain(`undeclared-test-dependency: ${probes.test.file} → node_modules/ws/`);
  } finally {
    for (const { file } of Object.values(probes)) rmSync(join(root, file), { force: true });
  }
}, 180_000);
