import type { Address, Hex } from 'viem';
import { keccak256, toHex } from 'viem';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRevert } from './support/evm';
import { deployProperty, FRANCE, GERMANY, SHARE, YEAR, type Property } from './support/fixture';

const REGISTRAR_ROLE = keccak256(toHex('REGISTRAR_ROLE'));

describe('IdentityRegistry', () => {
  let property: Property;
  let base: Hex;
  let wallet: Address;

  beforeAll(async () => {
    property = await deployProperty();
    wallet = property.spare[0] as Address;
    base = await property.evm.snapshot();
  });

  beforeEach(async () => {
    await property.evm.revertTo(base);
    base = await property.evm.snapshot();
  });

  it('registers a wallet with a country and an expiry, then updates it (an idempotent upsert)', async () => {
    const { evm, registry, admin } = property;
    const expiry = (await evm.now()) + YEAR;
    const registered = await evm.write(registry, 'setIdentity', [wallet, GERMANY, expiry], admin);
    expect(evm.events(registered, registry)).toEqual([
      { eventName: 'IdentityRegistered', args: { wallet, country: GERMANY, expiresAt: expiry }, address: registry.address },
    ]);
    expect(await evm.read(registry, 'identityOf', [wallet])).toEqual([GERMANY, expiry]);
    expect(await evm.read(registry, 'isVerified', [wallet])).toBe(true);

    const updated = await evm.write(registry, 'setIdentity', [wallet, FRANCE, expiry + 1n], admin);
    expect(evm.events(updated, registry)[0]?.eventName).toBe('IdentityUpdated');
    expect(await evm.read(registry, 'identityOf', [wallet])).toEqual([FRANCE, expiry + 1n]);
  });

  it('stops verifying a wallet the second its identity expires', async () => {
    const { evm, registry, admin } = property;
    const expiry = (await evm.now()) + 1_000n;
    await evm.write(registry, 'setIdentity', [wallet, GERMANY, expiry], admin);
    await evm.setTime(expiry - 1n);
    expect(await evm.read(registry, 'isVerified', [wallet])).toBe(true);
    await evm.setTime(expiry);
    expect(await evm.read(registry, 'isVerified', [wallet])).toBe(false);
  });

  it('rejects bad identities with errors that say what is wrong', async () => {
    const { evm, registry, admin } = property;
    const now = await evm.now();
    await expectRevert(evm.write(registry, 'setIdentity', [wallet, 0, now + YEAR], admin), 'IdentityRegistryInvalidCountry', [0]);
    await expectRevert(evm.write(registry, 'setIdentity', [wallet, 1000, now + YEAR], admin), 'IdentityRegistryInvalidCountry', [1000]);
    await expectRevert(evm.write(registry, 'setIdentity', [wallet, GERMANY, now], admin), 'IdentityRegistryInvalidExpiry');
    await expectRevert(
      evm.write(registry, 'setIdentity', ['0x0000000000000000000000000000000000000000', GERMANY, now + YEAR], admin),
      'IdentityRegistryInvalidWallet',
    );
    await expectRevert(evm.write(registry, 'setIdentities', [[wallet], [GERMANY, FRANCE], [now + YEAR]], admin), 'IdentityRegistryLengthMismatch');
    await expectRevert(evm.write(registry, 'removeIdentity', [wallet], admin), 'IdentityRegistryNotRegistered', [wallet]);
  });

  it('lets only the registrar role write', async () => {
    const { evm, registry, alice, admin } = property;
    const now = await evm.now();
    await expectRevert(evm.write(registry, 'setIdentity', [wallet, GERMANY, now + YEAR], alice), 'AccessControlUnauthorizedAccount', [
      alice,
      REGISTRAR_ROLE,
    ]);
    await expectRevert(evm.write(registry, 'removeIdentity', [property.bob], alice), 'AccessControlUnauthorizedAccount');
    await evm.write(registry, 'grantRole', [REGISTRAR_ROLE, alice], admin);
    await evm.write(registry, 'setIdentity', [wallet, GERMANY, now + YEAR], alice);
    expect(await evm.read(registry, 'isVerified', [wallet])).toBe(true);
  });

  it('is shared: removing an identity stops the wallet receiving any token that uses the registry', async () => {
    const { evm, registry, deed, admin, agent, alice, bob } = property;
    const second = await evm.deploy('PropertyShares', ['Second', 'SEC', registry.address, deed.address, 2n, admin], admin);
    await evm.write(second, 'mint', [alice, 10n * SHARE], admin);
    await evm.write(property.shares, 'mint', [alice, 10n * SHARE], agent);
    const removed = await evm.write(registry, 'removeIdentity', [bob], admin);
    expect(evm.events(removed, registry)[0]?.eventName).toBe('IdentityRemoved');
    await expectRevert(evm.write(second, 'transfer', [bob, SHARE], alice), 'ComplianceReceiverNotVerified', [bob]);
    await expectRevert(evm.write(property.shares, 'transfer', [bob, SHARE], alice), 'ComplianceReceiverNotVerified', [bob]);
  });
});
