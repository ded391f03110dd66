/**
 * Module boundaries of Domus (DESIGN.md §3, ARCHITECTURE.md "Rules between modules").
 *
 *   npm run lint:deps                                        # src/ only
 *   npx depcruise src web/src --config .dependency-cruiser.cjs   # also the web app
 *
 * test/architecture/dependencies.test.ts runs the same rules through the JS API on src/ and
 * web/src (so `npm test` enforces them), plus a module-level cycle check the rule language
 * cannot express, and proves on a fixture tree that each rule reports what it should.
 *
 * Paths are relative to the directory the cruise runs from (the repository root), so every
 * rule is anchored at `^src/` or `^web/`.
 */

/** A test file, wherever it lives (`*.test-support.ts` holds shared test helpers beside the code). */
const testFile = '\\.(test|spec|test-support)\\.(ts|tsx|mts|cts|js|mjs)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'platform-not-to-modules',
      severity: 'error',
      comment:
        'src/platform is the kernel every module builds on; it must not know any domain module. ' +
        'Put the shared thing in platform/ or have the module register it through the composition root (src/app.ts).',
      from: { path: '^src/platform/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'kernel-not-to-composition-root',
      severity: 'error',
      comment:
        'src/app.ts, src/main.ts and src/cli.ts wire everything together; the kernel and the ML primitives are ' +
        'what they wire, so they must not import them back. Receive what you need as an argument instead.',
      // Tests beside the code may assemble the whole application.
      from: { path: '^src/(platform|ml)/', pathNot: testFile },
      to: { path: '^src/(app|main|cli)\\.ts$' },
    },
    {
      name: 'modules-not-to-composition-root-at-runtime',
      severity: 'error',
      comment:
        'A module may name the assembled application in a type (import type { Domus } from "../../app"), ' +
        'but a runtime import of the composition root from a module closes a loop through every module.',
      from: { path: '^src/modules/', pathNot: testFile },
      to: { path: '^src/(app|main|cli)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'module-through-index-only',
      severity: 'error',
      comment:
        "A module is imported by other modules only through its index.ts (its public API). Export what you need " +
        "from the other module's index.ts, or talk to it through a typed event on the bus.",
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/[^/]+/',
        pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'no-circular-between-modules',
      severity: 'error',
      comment:
        'This import closes a cycle that runs through another module. Modules form a directed acyclic graph: ' +
        'break the cycle with an event on the bus, or move the shared piece down into platform/.',
      from: { path: '^src/modules/([^/]+)/' },
      to: { circular: true, via: { path: '^src/modules/', pathNot: '^src/modules/$1/' } },
    },
    {
      name: 'ml-not-to-modules',
      severity: 'error',
      comment: 'src/ml holds reusable, domain-free ML primitives; modules use them, never the other way round.',
      from: { path: '^src/ml/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'web-not-to-src',
      severity: 'error',
      comment:
        'The web app talks to the server over HTTP only (web/src/api). Server code pulls Node-only dependencies ' +
        'into the browser bundle; copy the small piece you need (e.g. money formatting) into web/src/lib.',
      from: { path: '^web/' },
      to: { path: '^src/' },
    },
    {
      name: 'production-not-to-tests',
      severity: 'error',
      comment: 'Production code must not import test helpers or test files: they are not shipped and pull in test-only dependencies.',
      from: { path: '^(src|web/src)/', pathNot: testFile },
      to: { path: ['^test/', testFile] },
    },
    {
      name: 'production-not-to-dev-dependencies',
      severity: 'error',
      comment:
        'The container image installs only "dependencies" (npm ci --omit=dev); a runtime import of a ' +
        'devDependency crashes there. Move the package to "dependencies" or make the import type-only.',
      from: { path: '^src/', pathNot: testFile },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unresolvable-relative-imports',
      severity: 'error',
      comment:
        'A relative import that does not resolve to a file. Besides being a bug, it would hide the import from ' +
        'every rule above.',
      from: {},
      to: { couldNotResolve: true, path: '^\\.' },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // Not node_modules: excluding it would drop the imports of npm packages, which the dev-dependency rule checks.
    exclude: { path: ['^web/dist/', '^test/architecture/fixtures/'] },
    // Type-only imports count: a module reaching into another's internals for a type is still
    // coupling to those internals.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
