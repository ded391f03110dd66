/**
 * RentDistributor: pro-rata rent, the record-date rule against just-in-time capture, exclusions,
 * every balance path, dust, access. Random sequences live in distribution-invariants.test.ts.
 */
import type { Address, Hex } from 'viem';
import { keccak256, toHex } from 'viem';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRevert } from './support/evm';
import { deployProperty, passRecordDate, SHARE, startOfPeriod, USD, verify, type Property } from './support/fixture';

const DEPOSITOR_ROLE = keccak256(toHex('DEPOSITOR_ROLE'));
const M = 2n ** 128n;

describe('RentDistributor', () => {
  let property: Property;
  let base: Hex;

  const deposit = (amount: bigint) => property.evm.write(property.distributor, 'deposit', [amount], property.admin);
  const claimable = (holder: Address) => property.evm.read<bigint>(property.distributor, 'claimableOf', [holder]);
  /**
   * Claimable rent is the floor of the exact pro-rata amount, less at most one unit: the magnified
   * rent per share is rounded down at each deposit, and the holder's sub-unit fraction waits for
   * the next deposit rather than being paid early.
   */
  const expectOwed = async (holder: Address, exact: bigint) => {
    const owed = await claimable(holder);
    expect(owed <= exact && owed >= exact - 1n, `${holder} is owed ${owed}, expected ${exact} (or one unit less)`).toBe(true);
  };
  const usdOf = (holder: Address) => property.evm.read<bigint>(property.stablecoin, 'balanceOf', [holder]);

  beforeAll(async () => {
    property = await deployProperty();
    const { evm, shares, distributor, stablecoin, admin, agent, alice, bob } = property;
    await evm.write(stablecoin, 'approve', [distributor.address, 2n ** 255n], admin);
    await evm.write(shares, 'mint', [alice, 300n * SHARE], agent);
    await evm.write(shares, 'mint', [bob, 100n * SHARE], agent);
    await startOfPeriod(property, 60n);
    base = await evm.snapshot();
  });

  beforeEach(async () => {
    await property.evm.revertTo(base);
    base = await property.evm.snapshot();
  });

  it('shares a deposit pro rata and pays each holder what it pulls', async () => {
    const { evm, distributor, alice, bob } = property;
    const receipt = await deposit(1_000n * USD);
    expect(evm.events(receipt, distributor)[0]).toMatchObject({
      eventName: 'RentDeposited',
      args: { amount: 1_000n * USD, eligibleSupply: 400n * SHARE, magnifiedPerShareIncrease: (1_000n * USD * M) / (400n * SHARE) },
    });
    await expectOwed(alice, 750n * USD);
    await expectOwed(bob, 250n * USD);
    const owed = await claimable(alice);
    const before = await usdOf(alice);
    const claimed = await evm.write(distributor, 'claim', [], alice);
    expect(evm.events(claimed, distributor)[0]?.args).toEqual({ holder: alice, recipient: alice, amount: owed });
    expect(await usdOf(alice)).toBe(before + owed);
    expect(await claimable(alice)).toBe(0n);
    await expectRevert(evm.write(distributor, 'claim', [], alice), 'RentDistributorNothingToClaim', [alice]);
    // Pay someone else: a custodial wallet or a cold wallet.
    const cold = property.spare[0] as Address;
    const bobOwed = await claimable(bob);
    await evm.write(distributor, 'claimTo', [cold], bob);
    expect(await usdOf(cold)).toBe(bobOwed);
    expect((await evm.read<bigint[]>(distributor, 'accounts')).slice(0, 3)).toEqual([1_000n * USD, owed + bobOwed, 0n]);
    // Rounding kept at most a unit from each; the books still balance to the magnified unit.
    expect(1_000n * USD - owed - bobOwed).toBeLessThanOrEqual(2n);
    const fractions =
      (await evm.read<bigint>(distributor, 'magnifiedUnclaimedOf', [alice])) +
      (await evm.read<bigint>(distributor, 'magnifiedUnclaimedOf', [bob]));
    const [, , , dustMagnified] = await evm.read<bigint[]>(distributor, 'accounts');
    expect((owed + bobOwed) * M + fractions + (dustMagnified as bigint)).toBe(1_000n * USD * M);
  });

  it('costs the same to deposit for two holders or twenty (no loop over holders)', async () => {
    const { evm, shares, agent, investors } = property;
    await deposit(100n * USD);
    const few = (await deposit(100n * USD)).gasUsed;
    for (const wallet of property.spare.slice(0, 15)) {
      await verify(property, wallet);
      await evm.write(shares, 'mint', [wallet, 10n * SHARE], agent);
    }
    for (const investor of investors.slice(2)) await evm.write(shares, 'mint', [investor, SHARE], agent);
    await passRecordDate(property);
    await deposit(100n * USD);
    const many = (await deposit(100n * USD)).gasUsed;
    expect(many).toBe(few);
  });

  it('defeats just-in-time capture: shares bought just before a deposit earn nothing from it', async () => {
    const { evm, shares, distributor, stablecoin, alice, bob, carol } = property;
    // Carol sees the deposit coming, buys from Alice through the market, and sells back after it.
    const market = await evm.deploy('ShareMarket', [shares.address, stablecoin.address]);
    await evm.write(shares, 'approve', [market.address, 200n * SHARE], alice);
    await evm.write(market, 'placeSellOrder', [200n * SHARE, 10n * USD], alice);
    await evm.write(stablecoin, 'approve', [market.address, 2n ** 255n], carol);
    await evm.write(market, 'fillSellOrder', [1n, 200n * SHARE], carol);
    expect(await evm.read(distributor, 'holdingOf', [carol])).toEqual([0n, 200n * SHARE]);
    await deposit(1_000n * USD);
    await evm.write(shares, 'transfer', [alice, 200n * SHARE], carol);
    expect(await claimable(carol)).toBe(0n);
    // Only shares held since the record date and still held earn: Alice's remaining 100 and Bob's 100.
    await expectOwed(alice, 500n * USD);
    await expectOwed(bob, 500n * USD);
    // From the next record date on, what Alice bought back earns again.
    await passRecordDate(property);
    await deposit(400n * USD);
    await expectOwed(alice, 500n * USD + 300n * USD);
  });

  it('lets shares sold within the period leave pending shares first', async () => {
    const { evm, shares, distributor, alice, bob } = property;
    await evm.write(shares, 'transfer', [alice, 50n * SHARE], bob); // alice: 300 eligible + 50 pending
    await evm.write(shares, 'transfer', [bob, 80n * SHARE], alice); // 50 pending leave, then 30 eligible
    expect(await evm.read(distributor, 'holdingOf', [alice])).toEqual([270n * SHARE, 0n]);
    expect(await evm.read(distributor, 'holdingOf', [bob])).toEqual([50n * SHARE, 80n * SHARE]);
    expect(await evm.read(distributor, 'eligibleSupply')).toBe(320n * SHARE);
    await passRecordDate(property);
    expect(await evm.read(distributor, 'holdingOf', [bob])).toEqual([130n * SHARE, 0n]);
    expect(await evm.read(distributor, 'eligibleSupply')).toBe(400n * SHARE);
  });

  it('excludes system accounts (an offering inventory) so rent never strands on a contract', async () => {
    const { evm, shares, distributor, admin, agent, alice, bob } = property;
    const vault = property.spare[0] as Address;
    await evm.write(shares, 'setSystemAccount', [vault, true], admin);
    await evm.write(shares, 'mint', [vault, 600n * SHARE], agent);
    await passRecordDate(property);
    await deposit(400n * USD);
    expect(await claimable(vault)).toBe(0n);
    await expectOwed(alice, 300n * USD);
    await expectOwed(bob, 100n * USD);
    // Excluding a holder keeps what it earned; it stops earning from then on.
    await evm.write(shares, 'setSystemAccount', [bob, true], admin);
    await deposit(300n * USD);
    await expectOwed(bob, 100n * USD);
    await expectOwed(alice, 600n * USD);
    await evm.write(distributor, 'claim', [], bob);
  });

  it('keeps earned rent with the holder through burns, and mints only dilute later deposits', async () => {
    const { evm, shares, agent, alice, bob, carol } = property;
    await deposit(400n * USD);
    await evm.write(shares, 'burn', [bob, 100n * SHARE], agent);
    await evm.write(shares, 'mint', [carol, 300n * SHARE], agent);
    await expectOwed(bob, 100n * USD);
    expect(await claimable(carol)).toBe(0n);
    await passRecordDate(property);
    await deposit(600n * USD);
    await expectOwed(alice, 300n * USD + 300n * USD);
    await expectOwed(carol, 300n * USD);
    await expectOwed(bob, 100n * USD);
  });

  it('moves unclaimed rent with a forced transfer only for what accrues afterwards', async () => {
    const { evm, shares, agent, alice, bob } = property;
    await deposit(400n * USD);
    await evm.write(shares, 'forcedTransfer', [alice, bob, 300n * SHARE], agent);
    await expectOwed(alice, 300n * USD);
    await passRecordDate(property);
    await deposit(400n * USD);
    await expectOwed(alice, 300n * USD);
    await expectOwed(bob, 100n * USD + 400n * USD);
  });

  it('holds a frozen wallet\'s rent until recovery moves it to the investor\'s new wallet', async () => {
    const { evm, shares, distributor, agent, alice } = property;
    await deposit(400n * USD);
    await evm.write(shares, 'setAddressFrozen', [alice, true], agent);
    await expectRevert(evm.write(distributor, 'claim', [], alice), 'RentDistributorHolderFrozen', [alice]);
    const newWallet = property.spare[0] as Address;
    await verify(property, newWallet);
    await evm.write(shares, 'recoveryAddress', [alice, newWallet], agent);
    expect(await claimable(alice)).toBe(0n);
    await expectOwed(newWallet, 300n * USD);
    // The new wallet is frozen too (the status follows the investor) until an agent lifts it.
    await expectRevert(evm.write(distributor, 'claim', [], newWallet), 'RentDistributorHolderFrozen');
    await evm.write(shares, 'setAddressFrozen', [newWallet, false], agent);
    const owed = await claimable(newWallet);
    await evm.write(distributor, 'claim', [], newWallet);
    expect(await usdOf(newWallet)).toBe(owed);
    // Recovered shares keep earning without waiting for a record date: same investor.
    expect(await evm.read(distributor, 'holdingOf', [newWallet])).toEqual([300n * SHARE, 0n]);
  });

  it('accounts dust: division remainders at once, fractions of emptied accounts on release, and sweeps them', async () => {
    const { evm, shares, distributor, stablecoin, admin, alice, bob, carol } = property;
    // 3 units over 400 shares: alice is owed 2.25, bob 0.75.
    await deposit(3n);
    const perShare = await evm.read<bigint>(distributor, 'magnifiedPerShare');
    expect(perShare).toBe((3n * M) / (400n * SHARE));
    const depositRemainder = 3n * M - perShare * 400n * SHARE;
    expect(await evm.read(distributor, 'accounts')).toEqual([3n, 0n, 0n, depositRemainder]);
    expect(await claimable(alice)).toBe(2n);
    expect(await claimable(bob)).toBe(0n);
    await evm.write(shares, 'transfer', [carol, 100n * SHARE], bob);
    await expectRevert(evm.write(distributor, 'releaseDust', [alice]), 'RentDistributorHolderStillHolds', [alice, 300n * SHARE]);
    const released = await evm.write(distributor, 'releaseDust', [bob]);
    const bobFraction = perShare * 100n * SHARE;
    expect(evm.events(released, distributor)[0]?.args).toEqual({ holder: bob, magnifiedAmount: bobFraction });
    expect(await evm.read<bigint>(distributor, 'magnifiedUnclaimedOf', [bob])).toBe(0n);
    await evm.write(distributor, 'claim', [], alice);
    const [, , , dustMagnified] = await evm.read<bigint[]>(distributor, 'accounts');
    expect(dustMagnified).toBe(depositRemainder + bobFraction);
    // Not a whole unit of accounted dust yet; a stray transfer is swept whole.
    await evm.write(stablecoin, 'transfer', [distributor.address, 5n * USD], admin);
    const treasury = property.spare[1] as Address;
    const swept = await evm.write(distributor, 'sweepDust', [treasury], admin);
    expect(evm.events(swept, distributor).find((event) => event.eventName === 'DustSwept')?.args).toEqual({
      recipient: treasury,
      dust: 0n,
      unaccounted: 5n * USD,
    });
    expect(await usdOf(treasury)).toBe(5n * USD);
    // Alice's remaining fraction, the accounted dust and her 2 units make the 3 deposited.
    const aliceFraction = await evm.read<bigint>(distributor, 'magnifiedUnclaimedOf', [alice]);
    expect(aliceFraction + (dustMagnified as bigint) + 2n * M).toBe(3n * M);
    // Another deposit of 1 completes whole units of dust, which a sweep then pays out.
    await deposit(1n);
    await evm.write(shares, 'transfer', [bob, 300n * SHARE], alice);
    expect(await claimable(alice)).toBe(1n); // 0.25 left over + the whole new unit (carol's shares are pending)
    await evm.write(distributor, 'claim', [], alice);
    await evm.write(distributor, 'releaseDust', [alice]);
    const [, , , dustAfter] = await evm.read<bigint[]>(distributor, 'accounts');
    expect((dustAfter as bigint) / M).toBe(1n);
    await evm.write(distributor, 'sweepDust', [treasury], admin);
    expect(await usdOf(treasury)).toBe(5n * USD + 1n);
    // Everyone has left or claimed: 4 deposited = 3 claimed + 1 swept, to the magnified unit.
    expect(await evm.read(distributor, 'accounts')).toEqual([4n, 3n, 1n, 0n]);
    await expectRevert(evm.write(distributor, 'sweepDust', [treasury], alice), 'AccessControlUnauthorizedAccount');
  });

  it('refuses deposits nobody could receive, empty deposits and strangers', async () => {
    const { evm, shares, distributor, agent, alice, bob } = property;
    await expectRevert(deposit(0n), 'RentDistributorZeroDeposit');
    await expectRevert(evm.write(distributor, 'deposit', [USD], alice), 'AccessControlUnauthorizedAccount', [alice, DEPOSITOR_ROLE]);
    await evm.write(shares, 'burn', [alice, 300n * SHARE], agent);
    await evm.write(shares, 'burn', [bob, 100n * SHARE - 1n], agent);
    await expectRevert(deposit(USD), 'RentDistributorEligibleSupplyTooLow', [1n, SHARE]);
  });

  it('takes bookkeeping calls from its share token only', async () => {
    const { evm, distributor, alice, bob } = property;
    await expectRevert(evm.write(distributor, 'sharesMoved', [alice, bob, 1n, false, false], alice), 'RentDistributorUnauthorizedCaller', [alice]);
    await expectRevert(evm.write(distributor, 'walletRecovered', [alice, bob], alice), 'RentDistributorUnauthorizedCaller');
    await expectRevert(evm.write(distributor, 'exclusionChanged', [alice, 1n, true], alice), 'RentDistributorUnauthorizedCaller');
    await expectRevert(
      evm.deploy('RentDistributor', [property.shares.address, property.stablecoin.address, 0n, alice]),
      'RentDistributorInvalidConfiguration',
    );
  });
});
