/**
 * The import rules of the monorepo, checked by `npm run lint:deps` together with knip (knip.json):
 * knip finds unused and unlisted dependencies, these rules check who may import what.
 *
 * Workspace packages are resolved through their node_modules/@cpt/<name> link (preserveSymlinks)
 * and the "source" condition of their exports, so that an import of a workspace package counts
 * as a dependency of the importing package and the check needs no build.
 */
const { readdirSync } = require('node:fs');

/**
 * Test code: unit tests beside the code, a package's test/ folder, the test kit, the e2e tests,
 * bench/, scripts/ and the tools' configuration.
 */
const TEST = '\\.test\\.ts$|^(libs|services)/[^/]+/test/|^libs/testkit/|^test/|^bench/|^scripts/|^[^/]+\\.config\\.ts$';
/** Test tooling that the root package.json declares for every package's tests. */
const SHARED_TEST_TOOLING = '^node_modules/(vitest|fast-check)/';
/** Libraries that talk to the outside world, and Node's I/O modules: never imported by the domain. */
const ADAPTERS = '^node_modules/(fastify|@fastify/[^/]+|kafkajs|@mikro-orm/[^/]+|pg|pg-[^/]+|pino|ws|lossless-json)/';
const IO_BUILTINS = '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads)$';
/** A service imported by its package name (resolved or not: services export nothing). */
const SERVICE_PACKAGE = `^(node_modules/)?@cpt/(${readdirSync(`${__dirname}/services`).join('|')})(/|$)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'unresolvable-import',
      severity: 'error',
      comment: 'Imports a module that does not resolve: a missing file, or a package that is not installed.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'undeclared-dependency',
      severity: 'error',
      comment: 'Imports a package that the package.json of the importing package does not declare.',
      from: { pathNot: TEST },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'undeclared-test-dependency',
      severity: 'error',
      comment:
        'Test code imports a package that the package.json of its package does not declare (as a devDependency); only the shared test tooling of the root package.json needs no declaration.',
      from: { path: TEST },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], pathNot: SHARED_TEST_TOOLING },
    },
    {
      name: 'runtime-import-of-dev-dependency',
      severity: 'error',
      comment: 'Non-test code imports, at run time, a package declared only as a devDependency: a production install lacks it.',
      from: { pathNot: TEST },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'testkit-outside-tests',
      severity: 'error',
      comment: '@cpt/testkit starts containers and processes for tests: only test code imports it.',
      from: { pathNot: TEST },
      to: { path: '^(node_modules/@cpt|libs)/testkit/' },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'libs/domain imports no other @cpt package, no adapter library and no I/O module.',
      from: { path: '^libs/domain/' },
      to: { path: `^node_modules/@cpt/|^(libs|services)/(?!domain/)|^test/|^bench/|${ADAPTERS}|${IO_BUILTINS}` },
    },
    {
      name: 'services-are-independent',
      severity: 'error',
      comment: 'A service never imports another service: services share code through libs/ and talk through Kafka and HTTP.',
      from: { path: '^services/([^/]+)/' },
      to: { path: `^services/|${SERVICE_PACKAGE}`, pathNot: '^services/$1/' },
    },
    {
      name: 'nothing-imports-a-service',
      severity: 'error',
      comment:
        'Libraries and the end-to-end tests never import a service (the tests start the built services as processes); bench/ alone drives a few service modules in-process.',
      from: { pathNot: '^services/|^bench/' },
      to: { path: `^services/|${SERVICE_PACKAGE}` },
    },
    {
      name: 'package-by-name',
      severity: 'error',
      comment: 'A package reaches another package through its name (@cpt/...), never through a relative path into its folder.',
      from: { path: '^(libs/[^/]+|services/[^/]+|test)/' },
      to: { dependencyTypes: ['local'], path: '^(libs|services|test|bench)/', pathNot: '^$1/' },
    },
    {
      name: 'bench-reaches-into-sources-only',
      severity: 'error',
      comment:
        "bench/ drives service modules and the test kit in-process through relative paths: into a service's or libs/testkit's sources only, never into tests, never a service by package name.",
      from: { path: '^bench/' },
      to: {
        path: `^(libs|services|test)/|${SERVICE_PACKAGE}`,
        pathNot: '^(services/[^/]+|libs/testkit)/src/.*(?<!\\.test\\.ts)$',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(libs|services)/[^/]+/dist/|^test/dist/' },
    tsPreCompilationDeps: true,
    preserveSymlinks: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
