/**
 * contracts/out/ must be built from the sources in the tree: the chain service (and anyone
 * verifying a deployment) reads those artefacts, never a compile at run time.
 */
import { describe, expect, it } from 'vitest';
import {
  checkArtifacts,
  compileCommand,
  hashSources,
  loadArtifacts,
  projectSources,
} from '../../contracts/toolchain';

describe('contract artefacts', () => {
  it('are up to date with contracts/src, the OpenZeppelin sources and the compiler settings', () => {
    const freshness = checkArtifacts();
    if (!freshness.fresh) {
      expect.fail(`contracts/out/ is stale: ${freshness.reason}. Run \`${compileCommand}\` and commit contracts/out/.`);
    }
  });

  it('hash every imported source, so editing one (or upgrading OpenZeppelin) makes them stale', () => {
    const sources = projectSources();
    const names = Object.keys(sources);
    expect(names).toContain('contracts/src/PropertyShares.sol');
    expect(names).toContain('@openzeppelin/contracts/token/ERC20/ERC20.sol');
    const base = hashSources(sources);
    const erc20 = '@openzeppelin/contracts/token/ERC20/ERC20.sol';
    expect(hashSources({ ...sources, [erc20]: `${sources[erc20]}\n// patched` })).not.toBe(base);
    expect(hashSources(sources, '0.8.36+commit.unknown')).not.toBe(base);
  });

  it('hold every deployable contract within the EIP-170 code size limit', () => {
    const artifacts = loadArtifacts();
    expect(Object.keys(artifacts).sort()).toEqual([
      'IdentityRegistry',
      'MockStablecoin',
      'PropertyDeed',
      'PropertyShares',
      'RentDistributor',
      'ShareMarket',
      'ShareOffering',
    ]);
    for (const artifact of Object.values(artifacts)) {
      const size = (artifact.deployedBytecode.length - 2) / 2;
      expect(size, artifact.contractName).toBeGreaterThan(0);
      expect(size, artifact.contractName).toBeLessThanOrEqual(24_576);
    }
  });
});
