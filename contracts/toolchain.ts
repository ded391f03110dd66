/**
 * The Solidity toolchain of Domus: solc-js (no compiler download), OpenZeppelin imports resolved
 * from node_modules, artefacts under contracts/out/ stamped with a hash of every source they were
 * built from plus the compiler version and settings.
 *
 *   npx tsx contracts/compile.ts          writes contracts/out/*.json (docs/tokenization.md)
 *
 * Tests and benchmarks call `loadArtifacts()`: it uses contracts/out/ when the stamp matches the
 * sources, and otherwise compiles in memory (cached in the OS temp folder by hash) so a stale
 * checkout still tests what is in the tree; test/contracts/artifacts.test.ts is what fails then.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const contractsSourceDir = join(repositoryRoot, 'contracts', 'src');
export const artifactsDir = join(repositoryRoot, 'contracts', 'out');
export const compileCommand = 'npx tsx contracts/compile.ts';

/** Compiler settings shared by the contracts, the tests' fallback compile and the gas baselines. */
export const compilerSettings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'none' },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
  },
} as const;

export interface Artifact {
  contractName: string;
  sourceName: string;
  abi: readonly Record<string, unknown>[];
  bytecode: `0x${string}`;
  deployedBytecode: `0x${string}`;
  sourceHash: string;
  compiler: { version: string; settings: typeof compilerSettings };
}

export interface Manifest {
  sourceHash: string;
  compilerVersion: string;
  sources: string[];
  contracts: string[];
}

type SourceMap = Record<string, string>;

const importPattern = /^\s*import\s+(?:[^'";]*?\s+from\s+)?["']([^"']+)["']\s*;/gm;

function listSolidityFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSolidityFiles(path));
    else if (entry.name.endsWith('.sol')) found.push(path);
  }
  return found.sort();
}

/** Source unit name (what solc calls a file) of a file inside the repository. */
function unitName(absolutePath: string): string {
  return relative(repositoryRoot, absolutePath).split(sep).join('/');
}

function readUnit(name: string): string {
  if (name.startsWith('@')) {
    // Package imports (@openzeppelin/contracts/...) resolve like Node does, from node_modules.
    const [scope, pkg, ...rest] = name.split('/');
    const packageJson = require.resolve(`${scope}/${pkg}/package.json`, { paths: [repositoryRoot] });
    return readFileSync(join(dirname(packageJson), ...rest), 'utf8');
  }
  return readFileSync(join(repositoryRoot, ...name.split('/')), 'utf8');
}

/** Every source unit reachable from `entryUnits` through import statements. */
export function collectSources(entryUnits: string[]): SourceMap {
  const sources: SourceMap = {};
  const queue = [...entryUnits];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (sources[name] !== undefined) continue;
    const content = readUnit(name);
    sources[name] = content;
    for (const match of content.matchAll(importPattern)) {
      const target = match[1] as string;
      const resolved = target.startsWith('.') ? posix.normalize(posix.join(posix.dirname(name), target)) : target;
      queue.push(resolved);
    }
  }
  return Object.fromEntries(Object.entries(sources).sort(([a], [b]) => a.localeCompare(b)));
}

function solcVersion(): string {
  return (require('solc') as { version(): string }).version();
}

/** Hash of the sources' names and contents, the compiler version and the settings. */
export function hashSources(sources: SourceMap, version = solcVersion()): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ version, settings: compilerSettings }));
  for (const [name, content] of Object.entries(sources)) {
    hash.update(`\0${name}\0${createHash('sha256').update(content).digest('hex')}`);
  }
  return hash.digest('hex');
}

export function projectSources(): SourceMap {
  return collectSources(listSolidityFiles(contractsSourceDir).map(unitName));
}

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<string, { abi: Artifact['abi']; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

/**
 * Compiles `sources` with solc-js and returns one artefact per deployable contract defined in
 * `ownUnits` (library sources such as OpenZeppelin's are compiled but not emitted).
 */
export function compileSources(sources: SourceMap, ownUnits: string[]): Record<string, Artifact> {
  const solc = require('solc') as { compile(input: string, callbacks?: object): string; version(): string };
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: compilerSettings,
  };
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), {
      import: (path: string) => {
        try {
          return { contents: readUnit(path) };
        } catch {
          return { error: `not found: ${path}` };
        }
      },
    }),
  ) as SolcOutput;
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`solc failed:\n${errors.map((error) => error.formattedMessage).join('\n')}`);
  }
  const version = solc.version();
  const sourceHash = hashSources(sources, version);
  const artifacts: Record<string, Artifact> = {};
  for (const unit of ownUnits) {
    for (const [contractName, compiled] of Object.entries(output.contracts?.[unit] ?? {})) {
      if (compiled.evm.bytecode.object.length === 0) continue; // interfaces and abstract contracts
      if (artifacts[contractName]) throw new Error(`two contracts are named ${contractName}`);
      artifacts[contractName] = {
        contractName,
        sourceName: unit,
        abi: compiled.abi,
        bytecode: `0x${compiled.evm.bytecode.object}`,
        deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
        sourceHash,
        compiler: { version, settings: compilerSettings },
      };
    }
  }
  return artifacts;
}

/** Compiles contracts/src and writes contracts/out/ (removing artefacts of deleted contracts). */
export function writeArtifacts(): Manifest {
  const sources = projectSources();
  const ownUnits = Object.keys(sources).filter((name) => name.startsWith('contracts/'));
  const artifacts = compileSources(sources, ownUnits);
  rmSync(artifactsDir, { recursive: true, force: true });
  mkdirSync(artifactsDir, { recursive: true });
  for (const artifact of Object.values(artifacts)) {
    writeFileSync(join(artifactsDir, `${artifact.contractName}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
  }
  const manifest: Manifest = {
    sourceHash: hashSources(sources),
    compilerVersion: solcVersion(),
    sources: Object.keys(sources),
    contracts: Object.keys(artifacts).sort(),
  };
  writeFileSync(join(artifactsDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export type ArtifactFreshness =
  | { fresh: true; sourceHash: string }
  | { fresh: false; sourceHash: string; reason: string };

/** Whether contracts/out/ was built from the sources in the tree, without compiling anything. */
export function checkArtifacts(): ArtifactFreshness {
  const sourceHash = hashSources(projectSources());
  const manifestPath = join(artifactsDir, 'manifest.json');
  if (!existsSync(manifestPath)) return { fresh: false, sourceHash, reason: 'contracts/out/manifest.json is missing' };
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  if (manifest.sourceHash !== sourceHash) {
    return { fresh: false, sourceHash, reason: `the sources hash to ${sourceHash}, the artefacts were built from ${manifest.sourceHash}` };
  }
  for (const name of manifest.contracts) {
    const path = join(artifactsDir, `${name}.json`);
    if (!existsSync(path)) return { fresh: false, sourceHash, reason: `contracts/out/${name}.json is missing` };
    const artifact = JSON.parse(readFileSync(path, 'utf8')) as Artifact;
    if (artifact.sourceHash !== sourceHash) {
      return { fresh: false, sourceHash, reason: `contracts/out/${name}.json was built from other sources` };
    }
  }
  return { fresh: true, sourceHash };
}

let loaded: Record<string, Artifact> | undefined;

/**
 * The artefacts of contracts/src: from contracts/out/ when fresh, else compiled in memory and
 * cached in the OS temp folder under the source hash (so parallel test files compile once).
 */
export function loadArtifacts(): Record<string, Artifact> {
  if (loaded) return loaded;
  const freshness = checkArtifacts();
  if (freshness.fresh) {
    const manifest = JSON.parse(readFileSync(join(artifactsDir, 'manifest.json'), 'utf8')) as Manifest;
    loaded = Object.fromEntries(
      manifest.contracts.map((name) => [name, JSON.parse(readFileSync(join(artifactsDir, `${name}.json`), 'utf8')) as Artifact]),
    );
    return loaded;
  }
  const cachePath = join(tmpdir(), `domus-contracts-${freshness.sourceHash}.json`);
  if (existsSync(cachePath)) {
    loaded = JSON.parse(readFileSync(cachePath, 'utf8')) as Record<string, Artifact>;
    return loaded;
  }
  const sources = projectSources();
  loaded = compileSources(sources, Object.keys(sources).filter((name) => name.startsWith('contracts/')));
  // Written aside and renamed (atomic): a concurrent reader sees no file or a whole one.
  writeFileSync(`${cachePath}.${process.pid}`, JSON.stringify(loaded));
  renameSync(`${cachePath}.${process.pid}`, cachePath);
  return loaded;
}
