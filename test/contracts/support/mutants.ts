/**
 * Deliberately broken builds of the contracts, to prove that a test can fail: a source is patched
 * in memory, compiled with the project's settings, and cached in the OS temp folder by hash so the
 * suite pays for the compile once per machine.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSources, hashSources, projectSources, type Artifact } from '../../../contracts/toolchain';

export function compileMutant(unit: string, original: string, replacement: string): Record<string, Artifact> {
  const sources = projectSources();
  const source = sources[unit];
  if (source === undefined) throw new Error(`no source ${unit}`);
  if (!source.includes(original)) throw new Error(`the mutation no longer applies to ${unit}: update the test`);
  const mutated = { ...sources, [unit]: source.replace(original, replacement) };
  const cachePath = join(tmpdir(), `domus-contracts-mutant-${hashSources(mutated)}.json`);
  if (existsSync(cachePath)) return JSON.parse(readFileSync(cachePath, 'utf8')) as Record<string, Artifact>;
  const artifacts = compileSources(mutated, [unit]);
  writeFileSync(`${cachePath}.${process.pid}`, JSON.stringify(artifacts));
  renameSync(`${cachePath}.${process.pid}`, cachePath);
  return artifacts;
}
