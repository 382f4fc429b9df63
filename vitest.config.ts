import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
// Tests run the libraries from source: no build needed between an edit and a test.
const alias = Object.fromEntries(readdirSync(`${root}libs`).map((name) => [`@cpt/${name}`, `${root}libs/${name}/src/index.ts`]));
alias['@cpt/testkit/global-setup'] = `${root}libs/testkit/src/global-setup.ts`;

// A worker imports the modules once and runs its files one after another in that module graph,
// instead of a fresh graph per file: on two cores the integration project took 317 s, its workers
// spending 223 s re-importing MikroORM, kafkajs and fastify for every file, and 113 s without
// (unit and e2e: 207 → 199 s). Test files therefore leave nothing global behind: fake timers are
// undone after each test, spies restored before the next (restoreMocks, even when a test fails
// before its own mockRestore), and every connection and server a file opens it closes.
const shared = { isolate: false, restoreMocks: true };

const infraSuite = {
  globalSetup: [`${root}libs/testkit/src/global-setup.ts`],
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  resolve: {
    alias: [
      { find: '@cpt/testkit/global-setup', replacement: alias['@cpt/testkit/global-setup'] as string },
      { find: '@cpt/realtime-client/browser', replacement: `${root}libs/realtime-client/src/browser.ts` },
      ...Object.entries(alias).map(([find, replacement]) => ({ find, replacement })),
    ],
  },
  test: {
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          ...shared,
          include: ['apps/*/src/**/*.test.ts', 'libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'bench/lib/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['libs/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'], ...infraSuite, ...shared },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          exclude: ['test/outage/**', 'test/compose/**'],
          ...infraSuite,
          fileParallelism: false,
          ...shared,
          // One worker, after the groups of the other projects of the run.
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Runs `npm run lint` with probe files added to libs/ and services/: run alone, apart from the other suites.
        extends: true,
        test: { name: 'lint', include: ['scripts/**/*.test.ts'] },
      },
      {
        // Stops and restarts the shared Kafka broker: run alone, after every other suite.
        extends: true,
        test: { name: 'outage', include: ['test/outage/**/*.test.ts'], ...infraSuite, fileParallelism: false },
      },
      {
        // The compose stack through its published ports (deploy/compose/compose-test.sh sets where): no
        // infrastructure of its own, skipped without the stack.
        extends: true,
        test: { name: 'compose', include: ['test/compose/**/*.test.ts'], testTimeout: 60_000 },
      },
    ],
  },
});
