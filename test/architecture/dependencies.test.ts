import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Enforces the module boundaries of DESIGN.md §3 with the rules in .dependency-cruiser.cjs (the
 * same rules `npm run lint:deps` applies), plus a module-level cycle check that dependency-cruiser's
 * file-level rules cannot express. The fixture test proves every rule actually reports what it
 * should, so a typo in a regular expression cannot silently switch a rule off.
 */

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const configFile = path.join(repositoryRoot, '.dependency-cruiser.cjs');
const fixtureRoot = path.join(repositoryRoot, 'test', 'architecture', 'fixtures', 'boundaries');

/** What the real cruise covers: the server and the web app. */
const cruisedRoots = ['src', 'web/src'].filter((root) => existsSync(path.join(repositoryRoot, root)));

let configuredOptions: ICruiseOptions;

beforeAll(async () => {
  configuredOptions = await extractDepcruiseOptions(configFile);
});

async function cruiseTree(baseDirectory: string, roots: string[], useTsConfig: boolean): Promise<ICruiseResult> {
  const options: ICruiseOptions = { ...configuredOptions, baseDir: baseDirectory, validate: true };
  let transpileOptions = {};
  if (useTsConfig) {
    const tsConfigFile = path.join(baseDirectory, 'tsconfig.json');
    options.tsConfig = { fileName: tsConfigFile };
    transpileOptions = { tsConfig: extractTSConfig(tsConfigFile) };
  } else {
    delete options.tsConfig;
  }
  if (!useTsConfig) options.exclude = { path: [] };
  const { output } = await cruise(roots, options, {}, transpileOptions);
  if (typeof output === 'string') throw new Error('dependency-cruiser returned text; expected the JSON result');
  return output;
}

/** "rule: from → to", with npm targets shortened to the package name. */
function describeViolation(violation: IViolation): string {
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(violation.to);
  const to = packageMatch ? `npm:${packageMatch[1]}` : violation.to;
  return `${violation.rule.name}: ${violation.from} → ${to}`;
}

function explainViolations(result: ICruiseResult): string {
  const rulesByName = new Map((configuredOptions.ruleSet?.forbidden ?? []).map((rule) => [rule.name ?? '', rule]));
  return result.summary.violations
    .map((violation) => {
      const cycle = violation.cycle?.length ? `\n    cycle: ${[violation.from, ...violation.cycle.map((step) => step.name)].join(' → ')}` : '';
      const advice = rulesByName.get(violation.rule.name)?.comment ?? '';
      return `  ✗ ${describeViolation(violation)}${cycle}\n    ${advice}`;
    })
    .join('\n');
}

/** Edges between modules (src/modules/<a>/** → src/modules/<b>/**, a ≠ b), type-only imports included. */
function moduleGraph(result: ICruiseResult): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const moduleOf = (file: string) => /^src\/modules\/([^/]+)\//.exec(file)?.[1];
  for (const file of result.modules) {
    const from = moduleOf(file.source);
    if (!from) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    for (const dependency of file.dependencies) {
      const to = moduleOf(dependency.resolved);
      if (to && to !== from) graph.get(from)?.add(to);
    }
  }
  return graph;
}

/** Strongly connected components with more than one module (Tarjan): each is a cycle between modules. */
function moduleCycles(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    lowLink.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, lowLink.get(next) ?? 0));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (lowLink.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles.sort((a, b) => a.join().localeCompare(b.join()));
}

describe('module boundaries (DESIGN.md §3, .dependency-cruiser.cjs)', () => {
  let result: ICruiseResult;

  beforeAll(async () => {
    result = await cruiseTree(repositoryRoot, cruisedRoots, true);
  }, 120_000);

  it('src/ and web/src break none of the dependency rules', () => {
    // Guard against a vacuous pass: the cruise must have seen the code and resolved its imports.
    const app = result.modules.find((file) => file.source === 'src/app.ts');
    expect(app, 'src/app.ts was not cruised').toBeDefined();
    expect(app?.dependencies.map((dependency) => dependency.resolved)).toContain('src/modules/identity/index.ts');
    expect(result.summary.totalCruised).toBeGreaterThan(20);

    const violations = result.summary.violations.map(describeViolation);
    expect(
      violations,
      `dependency rules broken (run \`npx depcruise ${cruisedRoots.join(' ')} --config .dependency-cruiser.cjs\`):\n${explainViolations(result)}\n`,
    ).toEqual([]);
  });

  it('modules depend on each other without cycles (module level, not just file level)', () => {
    const graph = moduleGraph(result);
    expect(graph.size, 'no module under src/modules was cruised').toBeGreaterThan(0);
    const described = moduleCycles(graph).map((cycle) => cycle.join(' ⇄ '));
    expect(described, 'modules that depend on each other in a cycle; break it with an event on the bus').toEqual([]);
  });

  it('every module has an index.ts, its one public entry point', () => {
    const modulesRoot = path.join(repositoryRoot, 'src', 'modules');
    const missing = readdirSync(modulesRoot, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .filter((name) => !existsSync(path.join(modulesRoot, name, 'index.ts')));
    expect(missing, 'module folders without an index.ts').toEqual([]);
  });
});

describe('the dependency rules bite (fixture tree with deliberate violations)', () => {
  let result: ICruiseResult;

  beforeAll(async () => {
    result = await cruiseTree(fixtureRoot, ['src', 'web', 'test'], false);
  }, 120_000);

  it('reports exactly the planted violations, one per rule', () => {
    const reported = result.summary.violations.map(describeViolation).map((line) =>
      // A cycle is reported on one of its edges; which one is dependency-cruiser's choice.
      line.startsWith('no-circular-between-modules:') ? 'no-circular-between-modules: gamma ⇄ delta' : line,
    );
    expect(reported.sort()).toEqual(
      [
        'platform-not-to-modules: src/platform/leaks-module.ts → src/modules/alpha/alpha.service.ts',
        'kernel-not-to-composition-root: src/platform/leaks-root.ts → src/app.ts',
        'modules-not-to-composition-root-at-runtime: src/modules/alpha/uses-root.ts → src/app.ts',
        'module-through-index-only: src/modules/beta/beta.service.ts → src/modules/alpha/alpha.service.ts',
        'no-circular-between-modules: gamma ⇄ delta',
        'ml-not-to-modules: src/ml/knn.ts → src/modules/alpha/index.ts',
        'web-not-to-src: web/src/page.ts → src/platform/clock.ts',
        'production-not-to-tests: src/platform/leaks-test-helper.ts → test/support/helper.ts',
        'production-not-to-dev-dependencies: src/platform/leaks-dev-dependency.ts → npm:typescript',
        'no-unresolvable-relative-imports: src/platform/broken-import.ts → ./does-not-exist',
      ].sort(),
    );
    const cycle = result.summary.violations.find((violation) => violation.rule.name === 'no-circular-between-modules');
    expect([cycle?.from, cycle?.to].sort()).toEqual(['src/modules/delta/index.ts', 'src/modules/gamma/index.ts']);
  });

  it('every rule in .dependency-cruiser.cjs is exercised by the fixture', () => {
    const ruleNames = (configuredOptions.ruleSet?.forbidden ?? []).map((rule) => rule.name).sort();
    const exercised = [...new Set(result.summary.violations.map((violation) => violation.rule.name))].sort();
    expect(exercised).toEqual(ruleNames);
  });

  it('leaves the allowed imports alone: another module through index.ts, the root in a type or a test', () => {
    const cruised = result.modules.map((file) => file.source);
    const offenders = result.summary.violations.map((violation) => violation.from);
    for (const allowed of [
      'src/modules/beta/uses-alpha-index.ts',
      'src/modules/alpha/names-root-type.ts',
      'src/modules/alpha/alpha.spec.ts',
    ]) {
      expect(cruised, `${allowed} was not cruised`).toContain(allowed);
      expect(offenders).not.toContain(allowed);
    }
  });

  it('the module-level check finds the cycle that only exists between modules, not between files', () => {
    expect(moduleCycles(moduleGraph(result))).toEqual([
      ['delta', 'gamma'],
      ['epsilon', 'zeta'],
    ]);
  });
});
