import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Abi, AbiItem, Hex } from 'viem';

/**
 * The compiled contracts, read from the committed artefacts in contracts/out/ (docs/tokenization.md,
 * "Building"). The runtime never compiles: a stale contracts/out/ is caught by
 * test/contracts/artifacts.test.ts.
 */
export type ContractName =
  | 'IdentityRegistry'
  | 'PropertyDeed'
  | 'PropertyShares'
  | 'RentDistributor'
  | 'ShareOffering'
  | 'ShareMarket'
  | 'MockStablecoin';

export interface ContractArtifact {
  contractName: ContractName;
  abi: Abi;
  bytecode: Hex;
}

const contractNames: ContractName[] = [
  'IdentityRegistry',
  'PropertyDeed',
  'PropertyShares',
  'RentDistributor',
  'ShareOffering',
  'ShareMarket',
  'MockStablecoin',
];

const artifactsDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../contracts/out');

let cache: Record<ContractName, ContractArtifact> | undefined;

export function contractArtifacts(): Record<ContractName, ContractArtifact> {
  if (!cache) {
    const loaded = {} as Record<ContractName, ContractArtifact>;
    for (const name of contractNames) {
      const raw = JSON.parse(readFileSync(path.join(artifactsDirectory, `${name}.json`), 'utf8')) as {
        abi: Abi;
        bytecode: Hex;
      };
      loaded[name] = { contractName: name, abi: raw.abi, bytecode: raw.bytecode };
    }
    cache = loaded;
  }
  return cache;
}

export function abiOf(name: ContractName): Abi {
  return contractArtifacts()[name].abi;
}

/** Every custom error of every contract, so a revert that bubbles up from another contract still decodes. */
export function allContractErrors(): Abi {
  const seen = new Map<string, AbiItem>();
  for (const artifact of Object.values(contractArtifacts())) {
    for (const item of artifact.abi) {
      if (item.type !== 'error') continue;
      const key = `${item.name}(${item.inputs.map((input) => input.type).join(',')})`;
      if (!seen.has(key)) seen.set(key, item);
    }
  }
  return [...seen.values()] as Abi;
}

/** Every event of every contract, for the indexer. */
export function allContractEvents(): Abi {
  const seen = new Map<string, AbiItem>();
  for (const artifact of Object.values(contractArtifacts())) {
    for (const item of artifact.abi) {
      if (item.type !== 'event') continue;
      const key = `${item.name}(${item.inputs.map((input) => `${input.type}${input.indexed ? ' indexed' : ''}`).join(',')})`;
      if (!seen.has(key)) seen.set(key, item);
    }
  }
  return [...seen.values()] as Abi;
}
