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
 * Test code and tooling: unit tests beside the code, a package's test/ folder, the test kit, the
 * e2e tests, bench/, scripts/, the tools' configuration, and an app's build script (it bundles the
 * app; nothing runs it in production).
 */
const TEST =
  '\\.test\\.tsx?$|^(apps|libs|services)/[^/]+/test/|^libs/testkit/|^test/|^bench/|^scripts/|^[^/]+\\.config\\.ts$|^apps/[^/]+/build\\.mjs$';
/** Test tooling that the root package.json declares for every package's tests. */
const SHARED_TEST_TOOLING = '^node_modules/(vitest|fast-check)/';
/** Libraries that talk to the outside world, and Node's I/O modules: never imported by the domain. */
const ADAPTERS = '^node_modules/(fastify|@fastify/[^/]+|kafkajs|@mikro-orm/[^/]+|pg|pg-[^/]+|pino|ws|lossless-json)/';
const IO_BUILTINS = '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads)$';
/** A service imported by its package name (resolved or not: services export nothing). */
const SERVICE_PACKAGE = `^(node_modules/)?@cpt/(${readdirSync(`${__dirname}/services`).join('|')})(/|$)`;
/** An app (a browser bundle under apps/) reached by its package name. */
const APP_PACKAGE = `^(node_modules/)?@cpt/(${readdirSync(`${__dirname}/apps`).join('|')})(/|$)`;
/**
 * What the dashboard's sources may import of the workspace: the browser entry of the realtime
 * client, the contract's types and the domain. Resolved through the links and the "source"
 * condition, as every workspace import is here.
 */
const APP_WORKSPACE_IMPORTS = '^node_modules/@cpt/(realtime-client/src/browser\\.ts$|contracts/|domain/)';

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
      to: { path: `^node_modules/@cpt/|^(apps|libs|services)/(?!domain/)|^test/|^bench/|${ADAPTERS}|${IO_BUILTINS}` },
    },
    {
      name: 'app-runs-in-a-browser',
      severity: 'error',
      comment:
        "An app's code (all but its build script and tests) is bundled for a browser: no adapter library, no I/O module, and of the workspace only @cpt/realtime-client/browser, @cpt/contracts and @cpt/domain.",
      from: { path: '^apps/', pathNot: TEST },
      to: {
        path: `^node_modules/@cpt/|${ADAPTERS}|${IO_BUILTINS}`,
        pathNot: APP_WORKSPACE_IMPORTS,
      },
    },
    {
      name: 'app-imports-no-node-builtin',
      severity: 'error',
      comment: "An app's code is bundled for a browser, which has none of Node's built-in modules.",
      from: { path: '^apps/', pathNot: TEST },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'app-uses-contract-types-only',
      severity: 'error',
      comment:
        'An app imports only the types of @cpt/contracts (`import type`): its zod schemas would weigh on the bundle, and the server validates what it answers.',
      from: { path: '^apps/', pathNot: TEST },
      to: { path: '^node_modules/@cpt/contracts/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nothing-imports-an-app',
      severity: 'error',
      comment: 'An app is a bundle for a browser: no package imports it (the gateway serves its built files).',
      from: { pathNot: '^apps/|^services/gateway/src/' },
      to: { path: `^apps/|${APP_PACKAGE}` },
    },
    {
      name: 'gateway-resolves-the-dashboard-only',
      severity: 'error',
      comment: "The gateway finds the dashboard's build beside its package.json, and imports nothing else of it.",
      from: { path: '^services/gateway/src/' },
      to: { path: `^apps/|${APP_PACKAGE}`, pathNot: '^node_modules/@cpt/dashboard/package\\.json$' },
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
      from: { path: '^(apps/[^/]+|libs/[^/]+|services/[^/]+|test)/' },
      to: { dependencyTypes: ['local'], path: '^(apps|libs|services|test|bench)/', pathNot: '^$1/' },
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
    exclude: { path: '^(apps|libs|services)/[^/]+/dist/|^apps/[^/]+/\\.tsbuild/|^test/dist/' },
    tsPreCompilationDeps: true,
    preserveSymlinks: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.json'],
    },
  },
};
