/**
 * PropertyShares beyond the compliance matrix (compliance-matrix.test.ts): roles, holder
 * counting, freezes, recovery and distributor wiring, supply cap, configuration events.
 */
import type { Address, Hex } from 'viem';
import { keccak256, toHex } from 'viem';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRevert } from './support/evm';
import { AGENT_ROLE, DEED_ID, deployProperty, FRANCE, GERMANY, SHARE, verify, type Property } from './support/fixture';

const ZERO = '0x0000000000000000000000000000000000000000';
const DEFAULT_ADMIN_ROLE = `0x${'0'.repeat(64)}`;

describe('PropertyShares', () => {
  let property: Property;
  let base: Hex;

  beforeAll(async () => {
    property = await deployProperty();
    const { evm, shares, agent, alice, bob } = property;
    await evm.write(shares, 'mint', [alice, 100n * SHARE], agent);
    await evm.write(shares, 'mint', [bob, 50n * SHARE], agent);
    base = await evm.snapshot();
  });

  beforeEach(async () => {
    await property.evm.revertTo(base);
    base = await property.evm.snapshot();
  });

  it('describes the property it fractionalises', async () => {
    const { evm, shares, deed, registry, distributor } = property;
    expect(await evm.read(shares, 'decimals')).toBe(18);
    expect(await evm.read(shares, 'deed')).toBe(deed.address);
    expect(await evm.read(shares, 'deedId')).toBe(DEED_ID);
    expect(await evm.read(deed, 'ownerOf', [DEED_ID])).toBe(shares.address);
    expect(await evm.read(shares, 'identityRegistry')).toBe(registry.address);
    expect(await evm.read(shares, 'distributor')).toBe(distributor.address);
    expect(await evm.read(shares, 'totalSupply')).toBe(150n * SHARE);
  });

  it('keeps agent actions and configuration behind their roles', async () => {
    const { evm, shares, alice, bob } = property;
    for (const [name, args] of [
      ['mint', [alice, 1n]],
      ['burn', [alice, 1n]],
      ['forcedTransfer', [alice, bob, 1n]],
      ['recoveryAddress', [alice, property.spare[0]]],
      ['setAddressFrozen', [alice, true]],
      ['freezePartialTokens', [alice, 1n]],
      ['unfreezePartialTokens', [alice, 0n]],
      ['pause', []],
    ] as const) {
      await expectRevert(evm.write(shares, name, args, bob), 'AccessControlUnauthorizedAccount', [bob, AGENT_ROLE]);
    }
    for (const [name, args] of [
      ['setMaxHolders', [1]],
      ['setMaxBalance', [1n]],
      ['setLockUpUntil', [1n]],
      ['setCountryRestriction', [true]],
      ['setCountriesAllowed', [[GERMANY], true]],
      ['setSystemAccount', [bob, true]],
      ['setIdentityRegistry', [bob]],
    ] as const) {
      await expectRevert(evm.write(shares, name, args, property.agent), 'AccessControlUnauthorizedAccount', [
        property.agent,
        DEFAULT_ADMIN_ROLE,
      ]);
    }
  });

  it('counts holders: new receivers in, emptied senders out, system accounts never', async () => {
    const { evm, shares, admin, agent, alice, bob, carol } = property;
    const holders = () => evm.read<bigint>(shares, 'holderCount');
    expect(await holders()).toBe(2n);
    await evm.write(shares, 'transfer', [carol, 10n * SHARE], alice);
    expect(await holders()).toBe(3n);
    await evm.write(shares, 'transfer', [carol, 50n * SHARE], bob);
    expect(await holders()).toBe(2n);
    await evm.write(shares, 'transfer', [alice, 0n], carol);
    expect(await holders()).toBe(2n);
    await evm.write(shares, 'transfer', [alice, 5n * SHARE], alice); // to itself: nothing changes
    expect(await holders()).toBe(2n);
    const vault = property.spare[0] as Address;
    await evm.write(shares, 'setSystemAccount', [vault, true], admin);
    await evm.write(shares, 'mint', [vault, 10n * SHARE], agent);
    expect(await holders()).toBe(2n);
    await evm.write(shares, 'setSystemAccount', [carol, true], admin);
    expect(await holders()).toBe(1n);
    await evm.write(shares, 'setSystemAccount', [carol, false], admin);
    expect(await holders()).toBe(2n);
    await evm.write(shares, 'burn', [carol, 60n * SHARE], agent);
    expect(await holders()).toBe(1n);
  });

  it('reports an insufficient balance in the pre-check and with the ERC-6093 error', async () => {
    const { evm, shares, alice, bob } = property;
    expect(await evm.read(shares, 'canTransfer', [alice, bob, 101n * SHARE])).toEqual([false, 2]);
    await expectRevert(evm.write(shares, 'transfer', [bob, 101n * SHARE], alice), 'ERC20InsufficientBalance', [
      alice,
      100n * SHARE,
      101n * SHARE,
    ]);
    await expectRevert(evm.read(shares, 'checkTransfer', [alice, bob, 101n * SHARE]), 'ERC20InsufficientBalance');
    expect(await evm.read(shares, 'canTransfer', [alice, bob, 100n * SHARE])).toEqual([true, 0]);
  });

  it('freezes partial amounts within the balance and unfreezes no more than is frozen', async () => {
    const { evm, shares, agent, alice, bob } = property;
    const frozen = await evm.write(shares, 'freezePartialTokens', [alice, 60n * SHARE], agent);
    expect(evm.events(frozen, shares)[0]).toMatchObject({ eventName: 'TokensFrozen', args: { account: alice, amount: 60n * SHARE } });
    await expectRevert(evm.write(shares, 'freezePartialTokens', [alice, 41n * SHARE], agent), 'SharesFreezeExceedsBalance', [
      alice,
      100n * SHARE,
      101n * SHARE,
    ]);
    await evm.write(shares, 'transfer', [bob, 40n * SHARE], alice);
    await expectRevert(evm.write(shares, 'unfreezePartialTokens', [alice, 61n * SHARE], agent), 'SharesUnfreezeExceedsFrozen');
    await evm.write(shares, 'unfreezePartialTokens', [alice, 10n * SHARE], agent);
    expect(await evm.read(shares, 'getFrozenTokens', [alice])).toBe(50n * SHARE);
    await evm.write(shares, 'transfer', [bob, 10n * SHARE], alice);
    // A burn eats into frozen shares only when the free ones run out.
    await evm.write(shares, 'burn', [alice, 20n * SHARE], agent);
    expect(await evm.read(shares, 'getFrozenTokens', [alice])).toBe(30n * SHARE);
  });

  it('freezes whole addresses both ways and reports it', async () => {
    const { evm, shares, agent, alice, bob } = property;
    const receipt = await evm.write(shares, 'setAddressFrozen', [bob, true], agent);
    expect(evm.events(receipt, shares)[0]?.args).toEqual({ account: bob, frozen: true, agent });
    expect(await evm.read(shares, 'isFrozen', [bob])).toBe(true);
    expect(await evm.read(shares, 'canTransfer', [alice, bob, SHARE])).toEqual([false, 6]);
    expect(await evm.read(shares, 'canTransfer', [bob, alice, SHARE])).toEqual([false, 3]);
    await evm.write(shares, 'setAddressFrozen', [bob, false], agent);
    await evm.write(shares, 'transfer', [alice, SHARE], bob);
  });

  it('recovers a wallet only into an empty, different, non-system wallet', async () => {
    const { evm, shares, admin, agent, alice, bob } = property;
    const target = property.spare[0] as Address;
    await verify(property, target);
    await expectRevert(evm.write(shares, 'recoveryAddress', [alice, alice], agent), 'SharesInvalidRecovery');
    await expectRevert(evm.write(shares, 'recoveryAddress', [alice, ZERO], agent), 'SharesInvalidRecovery');
    await expectRevert(evm.write(shares, 'recoveryAddress', [alice, bob], agent), 'SharesRecoveryTargetNotEmpty', [bob, 50n * SHARE]);
    await evm.write(shares, 'setSystemAccount', [target, true], admin);
    await expectRevert(evm.write(shares, 'recoveryAddress', [alice, target], agent), 'SharesSystemAccount', [target]);
    await evm.write(shares, 'setSystemAccount', [target, false], admin);
    const receipt = await evm.write(shares, 'recoveryAddress', [alice, target], agent);
    const names = evm.events(receipt, shares).map((event) => event.eventName);
    expect(names).toEqual(['Transfer', 'AddressFrozen', 'WalletRecovered']);
    expect(await evm.read(shares, 'balanceOf', [target])).toBe(100n * SHARE);
    expect(await evm.read(shares, 'isFrozen', [alice])).toBe(true);
    expect(await evm.read(shares, 'holderCount')).toBe(2n);
  });

  it('connects a distributor once, before issuance, and only one made for this token', async () => {
    const { evm, registry, deed, stablecoin, admin, shares } = property;
    const fresh = await evm.deploy('PropertyShares', ['Fresh', 'FR', registry.address, deed.address, 9n, admin], admin);
    const foreign = await evm.deploy('RentDistributor', [shares.address, stablecoin.address, 86_400n, admin], admin);
    await expectRevert(evm.write(fresh, 'connectDistributor', [foreign.address], admin), 'SharesInvalidDistributor', [foreign.address]);
    const own = await evm.deploy('RentDistributor', [fresh.address, stablecoin.address, 86_400n, admin], admin);
    await evm.write(fresh, 'mint', [property.alice, SHARE], admin);
    await expectRevert(evm.write(fresh, 'connectDistributor', [own.address], admin), 'SharesDistributorAfterIssuance', [SHARE]);
    await expectRevert(evm.write(shares, 'connectDistributor', [own.address], admin), 'SharesDistributorAlreadyConnected');
  });

  it('caps the supply at 2^96 - 1 units (what the distributor books hold)', async () => {
    const { evm, shares, agent, alice } = property;
    const cap = 2n ** 96n - 1n;
    await evm.write(shares, 'mint', [alice, cap - 150n * SHARE], agent);
    await expectRevert(evm.write(shares, 'mint', [alice, 1n], agent), 'SharesSupplyCapExceeded', [cap + 1n]);
  });

  it('keeps an allow-list of countries and announces every configuration change', async () => {
    const { evm, shares, admin } = property;
    const receipt = await evm.write(shares, 'setCountriesAllowed', [[GERMANY, FRANCE], true], admin);
    expect(evm.events(receipt, shares).map((event) => event.args.country)).toEqual([GERMANY, FRANCE]);
    expect(await evm.read(shares, 'isCountryAllowed', [GERMANY])).toBe(true);
    expect(await evm.read(shares, 'isCountryAllowed', [840])).toBe(false);
    await evm.write(shares, 'setCountriesAllowed', [[GERMANY], false], admin);
    expect(await evm.read(shares, 'isCountryAllowed', [GERMANY])).toBe(false);
    expect(await evm.read(shares, 'isCountryAllowed', [FRANCE])).toBe(true);
    await expectRevert(evm.write(shares, 'setCountriesAllowed', [[0], true], admin), 'SharesInvalidCountry', [0]);
    await evm.write(shares, 'setMaxHolders', [10], admin);
    await evm.write(shares, 'setMaxBalance', [500n * SHARE], admin);
    await evm.write(shares, 'setLockUpUntil', [2_000_000_000n], admin);
    await evm.write(shares, 'setCountryRestriction', [true], admin);
    expect(await evm.read(shares, 'complianceSettings')).toEqual([10n, 500n * SHARE, 2_000_000_000n, true]);
  });

  it('switches identity registry: verification follows the new one', async () => {
    const { evm, shares, admin, alice, bob } = property;
    const empty = await evm.deploy('IdentityRegistry', [admin], admin);
    const receipt = await evm.write(shares, 'setIdentityRegistry', [empty.address], admin);
    expect(evm.events(receipt, shares)[0]?.eventName).toBe('IdentityRegistryChanged');
    await expectRevert(evm.write(shares, 'transfer', [bob, SHARE], alice), 'ComplianceReceiverNotVerified', [bob]);
    await expectRevert(evm.write(shares, 'setIdentityRegistry', [ZERO], admin), 'SharesInvalidRegistry');
  });

  it('advertises the IPropertyShares interface for integrators', async () => {
    const { evm, shares } = property;
    expect(await evm.read(shares, 'supportsInterface', ['0x01ffc9a7'])).toBe(true);
    expect(await evm.read(shares, 'supportsInterface', [keccak256(toHex('nothing')).slice(0, 10)])).toBe(false);
  });
});
