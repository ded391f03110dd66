import type { Address, Hex } from 'viem';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRevert, type Deployed } from './support/evm';
import { DAY, deployProperty, passRecordDate, SHARE, USD, verify, type Property } from './support/fixture';

const PRICE = 52_500_000n; // 52.50 USD per share
const SOFT_CAP = 100n * SHARE;
const HARD_CAP = 1_000n * SHARE;

describe('ShareOffering', () => {
  let property: Property;
  let offering: Deployed;
  let opensAt: bigint;
  let closesAt: bigint;
  let base: Hex;

  const usdOf = (account: Address) => property.evm.read<bigint>(property.stablecoin, 'balanceOf', [account]);
  const sharesOf = (account: Address) => property.evm.read<bigint>(property.shares, 'balanceOf', [account]);
  const buy = (investor: Address, amount: bigint) => property.evm.write(offering, 'buy', [amount], investor);
  const close = async () => property.evm.setTime(closesAt);

  beforeAll(async () => {
    property = await deployProperty();
    const { evm, shares, stablecoin, admin, agent, investors } = property;
    opensAt = (await evm.now()) + DAY;
    closesAt = opensAt + 14n * DAY;
    offering = await evm.deploy(
      'ShareOffering',
      [shares.address, stablecoin.address, admin, PRICE, SOFT_CAP, HARD_CAP, opensAt, closesAt, admin],
      admin,
    );
    await evm.write(shares, 'setSystemAccount', [offering.address, true], admin);
    await evm.write(shares, 'mint', [offering.address, HARD_CAP], agent);
    for (const investor of investors) await evm.write(stablecoin, 'approve', [offering.address, 2n ** 255n], investor);
    await verify(property, admin); // the beneficiary (issuer treasury) takes unsold shares back
    await evm.write(stablecoin, 'approve', [offering.address, 2n ** 255n], property.outsider);
    base = await evm.snapshot();
  });

  beforeEach(async () => {
    await property.evm.revertTo(base);
    base = await property.evm.snapshot();
  });

  it('sells at the fixed price between opening and deadline, then delivers, pays out and returns the unsold', async () => {
    const { evm, shares, admin, alice, bob } = property;
    await expectRevert(buy(alice, SHARE), 'OfferingNotOpen', [opensAt, closesAt]);
    await evm.setTime(opensAt);
    const aliceBefore = await usdOf(alice);
    const receipt = await buy(alice, 100n * SHARE);
    expect(evm.events(receipt, offering)[0]?.args).toEqual({ investor: alice, shares: 100n * SHARE, cost: 5_250n * USD });
    expect(await usdOf(alice)).toBe(aliceBefore - 5_250n * USD);
    await buy(bob, 50n * SHARE + 1n); // one indivisible share unit costs one cent unit, rounded up
    expect(await evm.read(offering, 'purchaseOf', [bob])).toEqual([50n * SHARE + 1n, 2_625n * USD + 1n]);
    await expectRevert(evm.write(offering, 'finalize', []), 'OfferingStillOpen', [closesAt]);
    await close();
    await expectRevert(buy(alice, SHARE), 'OfferingNotOpen');
    const finalized = await evm.write(offering, 'finalize', []);
    expect(evm.events(finalized, offering)[0]?.args).toEqual({ succeeded: true, sold: 150n * SHARE + 1n, raised: 7_875n * USD + 1n });

    // Anyone may trigger a delivery; the shares always go to the buyer.
    await evm.write(offering, 'claimShares', [alice], bob);
    expect(await sharesOf(alice)).toBe(100n * SHARE);
    await expectRevert(evm.write(offering, 'claimShares', [alice], alice), 'OfferingNothingToDeliver', [alice]);
    await expectRevert(evm.write(offering, 'claimRefund', [], alice), 'OfferingNotFailed', [1]);

    const beneficiaryBefore = await usdOf(admin);
    await evm.write(offering, 'withdrawProceeds', [], bob);
    expect(await usdOf(admin)).toBe(beneficiaryBefore + 7_875n * USD + 1n);
    await expectRevert(evm.write(offering, 'withdrawProceeds', []), 'OfferingProceedsAlreadyWithdrawn');

    // Bob has not collected yet: his shares stay in the offering when the rest goes back.
    await evm.write(offering, 'releaseUnsold', []);
    expect(await sharesOf(admin)).toBe(HARD_CAP - 150n * SHARE - 1n);
    expect(await sharesOf(offering.address)).toBe(50n * SHARE + 1n);
    await evm.write(offering, 'claimShares', [bob], bob);
    expect(await sharesOf(offering.address)).toBe(0n);
    expect(await evm.read(shares, 'holderCount')).toBe(3n);
  });

  it('returns unsold shares only to a beneficiary the share token accepts', async () => {
    const { evm, registry, admin, alice } = property;
    await evm.setTime(opensAt);
    await buy(alice, 100n * SHARE);
    await close();
    await evm.write(offering, 'finalize', []);
    await evm.write(registry, 'removeIdentity', [admin], admin);
    await expectRevert(evm.write(offering, 'releaseUnsold', []), 'ComplianceReceiverNotVerified', [admin]);
  });

  it('closes early once the hard cap is sold, and never sells past it', async () => {
    const { evm, alice, bob } = property;
    await evm.setTime(opensAt);
    await buy(alice, 900n * SHARE);
    await expectRevert(buy(bob, 101n * SHARE), 'OfferingHardCapExceeded', [100n * SHARE]);
    await buy(bob, 100n * SHARE);
    await evm.write(offering, 'finalize', []);
    expect(await evm.read(offering, 'state')).toBe(1);
  });

  it('refunds every buyer in full, by pull, when the soft cap is missed', async () => {
    const { evm, admin, alice, bob } = property;
    await evm.setTime(opensAt);
    const before = await usdOf(alice);
    await buy(alice, 60n * SHARE);
    await buy(bob, 39n * SHARE);
    await close();
    const finalized = await evm.write(offering, 'finalize', []);
    expect(evm.events(finalized, offering)[0]?.args.succeeded).toBe(false);
    await expectRevert(evm.write(offering, 'claimShares', [alice]), 'OfferingNotSucceeded', [2]);
    await expectRevert(evm.write(offering, 'withdrawProceeds', []), 'OfferingNotSucceeded');
    const refunded = await evm.write(offering, 'claimRefund', [], alice);
    expect(evm.events(refunded, offering)[0]?.args).toEqual({ investor: alice, amount: 3_150n * USD });
    expect(await usdOf(alice)).toBe(before);
    await expectRevert(evm.write(offering, 'claimRefund', [], alice), 'OfferingNothingToRefund', [alice]);
    await evm.write(offering, 'releaseUnsold', []);
    expect(await sharesOf(admin)).toBe(HARD_CAP);
  });

  it('can be cancelled by its admin before it is finalized, which refunds buyers', async () => {
    const { evm, admin, alice } = property;
    await evm.setTime(opensAt);
    await buy(alice, 200n * SHARE);
    await expectRevert(evm.write(offering, 'cancel', [], alice), 'AccessControlUnauthorizedAccount');
    const cancelled = await evm.write(offering, 'cancel', [], admin);
    expect(evm.events(cancelled, offering).map((event) => event.eventName)).toEqual(['OfferingCancelled', 'OfferingFinalized']);
    await expectRevert(buy(alice, SHARE), 'OfferingNotOpen');
    await expectRevert(evm.write(offering, 'cancel', [], admin), 'OfferingNotFinalized');
    await evm.write(offering, 'claimRefund', [], alice);
  });

  it('sells only to investors the share token would deliver to, with its compliance error', async () => {
    const { evm, shares, admin, alice, outsider } = property;
    await evm.setTime(opensAt);
    await expectRevert(buy(outsider, SHARE), 'ComplianceReceiverNotVerified', [outsider]);
    await evm.write(shares, 'setMaxBalance', [150n * SHARE], admin);
    await buy(alice, 100n * SHARE);
    // The cap counts what the investor has bought but not yet received.
    await expectRevert(buy(alice, 51n * SHARE), 'ComplianceMaxBalanceExceeded', [alice, 151n * SHARE, 150n * SHARE]);
    await evm.write(shares, 'pause', [], property.agent);
    await expectRevert(buy(alice, SHARE), 'EnforcedPause');
  });

  it('needs its inventory before it can sell', async () => {
    const { evm, shares, stablecoin, admin, alice } = property;
    const now = await evm.now();
    const empty = await evm.deploy(
      'ShareOffering',
      [shares.address, stablecoin.address, admin, PRICE, 0n, HARD_CAP, now, now + DAY, admin],
      admin,
    );
    await evm.write(shares, 'setSystemAccount', [empty.address, true], admin);
    await expectRevert(evm.write(empty, 'buy', [SHARE], alice), 'OfferingInsufficientInventory', [0n, SHARE]);
    await expectRevert(
      evm.deploy('ShareOffering', [shares.address, stablecoin.address, admin, PRICE, HARD_CAP + 1n, HARD_CAP, now, now + DAY, admin]),
      'OfferingInvalidConfiguration',
    );
  });

  it('keeps its inventory out of rent: investors earn every unit deposited', async () => {
    const { evm, distributor, stablecoin, admin, alice, bob } = property;
    await evm.setTime(opensAt);
    await buy(alice, 300n * SHARE);
    await buy(bob, 100n * SHARE);
    await close();
    await evm.write(offering, 'finalize', []);
    await evm.write(offering, 'claimShares', [alice]);
    await evm.write(offering, 'claimShares', [bob]);
    await passRecordDate(property);
    await evm.write(stablecoin, 'approve', [distributor.address, 2n ** 255n], admin);
    await evm.write(distributor, 'deposit', [4_000n * USD], admin);
    expect(await evm.read(distributor, 'eligibleSupply')).toBe(400n * SHARE);
    expect(await evm.read(distributor, 'claimableOf', [offering.address])).toBe(0n);
    expect(await evm.read<bigint>(distributor, 'claimableOf', [alice])).toBeGreaterThanOrEqual(3_000n * USD - 1n);
  });
});
