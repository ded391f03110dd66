import type { Address, Hex } from 'viem';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRevert, type Deployed } from './support/evm';
import { deployProperty, SHARE, USD, YEAR, type Property } from './support/fixture';

const PRICE = 48_250_000n; // 48.25 USD per share

describe('ShareMarket', () => {
  let property: Property;
  let market: Deployed;
  let base: Hex;

  const usdOf = (account: Address) => property.evm.read<bigint>(property.stablecoin, 'balanceOf', [account]);
  const sharesOf = (account: Address) => property.evm.read<bigint>(property.shares, 'balanceOf', [account]);

  beforeAll(async () => {
    property = await deployProperty();
    const { evm, shares, stablecoin, agent, alice, bob, investors } = property;
    market = await evm.deploy('ShareMarket', [shares.address, stablecoin.address]);
    await evm.write(shares, 'mint', [alice, 100n * SHARE], agent);
    await evm.write(shares, 'mint', [bob, 100n * SHARE], agent);
    for (const investor of [...investors, property.outsider]) {
      await evm.write(stablecoin, 'approve', [market.address, 2n ** 255n], investor);
      await evm.write(shares, 'approve', [market.address, 2n ** 255n], investor);
    }
    base = await evm.snapshot();
  });

  beforeEach(async () => {
    await property.evm.revertTo(base);
    base = await property.evm.snapshot();
  });

  it('fills a sell order as delivery against payment, in parts, leaving the shares with the seller until then', async () => {
    const { evm, alice, carol } = property;
    const placed = await evm.write(market, 'placeSellOrder', [40n * SHARE, PRICE], alice);
    expect(evm.events(placed, market)[0]?.args).toEqual({ orderId: 1n, maker: alice, sell: true, amount: 40n * SHARE, price: PRICE });
    expect(await sharesOf(market.address)).toBe(0n);
    const [aliceUsd, carolUsd] = [await usdOf(alice), await usdOf(carol)];
    const filled = await evm.write(market, 'fillSellOrder', [1n, 10n * SHARE], carol);
    expect(evm.events(filled, market)[0]?.args).toEqual({
      orderId: 1n,
      seller: alice,
      buyer: carol,
      amount: 10n * SHARE,
      payment: 482_500_000n,
    });
    expect(await sharesOf(carol)).toBe(10n * SHARE);
    expect(await usdOf(alice)).toBe(aliceUsd + 482_500_000n);
    expect(await usdOf(carol)).toBe(carolUsd - 482_500_000n);
    // A fraction of a share: the buyer pays the cost rounded up to the stablecoin's unit.
    await evm.write(market, 'fillSellOrder', [1n, SHARE / 3n], carol);
    expect(await usdOf(alice)).toBe(aliceUsd + 482_500_000n + 16_083_334n);
    expect((await evm.read<{ remaining: bigint }>(market, 'orderOf', [1n])).remaining).toBe(30n * SHARE - SHARE / 3n);
    await expectRevert(evm.write(market, 'fillSellOrder', [1n, 30n * SHARE], carol), 'MarketFillExceedsOrder');
  });

  it('escrows a buy order, pays sellers rounded down and gives the last fill what is left in escrow', async () => {
    const { evm, alice, bob, carol } = property;
    const before = await usdOf(carol);
    await evm.write(market, 'placeBuyOrder', [SHARE, PRICE], carol);
    expect(await usdOf(market.address)).toBe(PRICE);
    const third = SHARE / 3n;
    const aliceBefore = await usdOf(alice);
    await evm.write(market, 'fillBuyOrder', [1n, third], alice);
    expect(await usdOf(alice)).toBe(aliceBefore + 16_083_333n);
    const bobBefore = await usdOf(bob);
    await evm.write(market, 'fillBuyOrder', [1n, SHARE - third], bob);
    expect(await usdOf(bob)).toBe(bobBefore + PRICE - 16_083_333n);
    expect(await usdOf(market.address)).toBe(0n);
    expect(await usdOf(carol)).toBe(before - PRICE);
    expect(await sharesOf(carol)).toBe(SHARE);
  });

  it('settles nothing when either leg fails: no payment without delivery, no delivery without payment', async () => {
    const { evm, shares, admin, alice, carol, outsider } = property;
    await evm.write(market, 'placeSellOrder', [10n * SHARE, PRICE], alice);
    await evm.write(property.stablecoin, 'mint', [outsider, 1_000n * USD], admin);
    const aliceUsd = await usdOf(alice);
    // The buyer pays but may not receive: the whole fill reverts with the compliance error.
    await expectRevert(evm.write(market, 'fillSellOrder', [1n, SHARE], outsider), 'ComplianceReceiverNotVerified', [outsider]);
    expect(await usdOf(alice)).toBe(aliceUsd);
    expect(await usdOf(outsider)).toBe(1_000n * USD);
    // The buyer cannot pay: the seller keeps the shares.
    await evm.write(property.stablecoin, 'transfer', [admin, await usdOf(carol)], carol);
    await expectRevert(evm.write(market, 'fillSellOrder', [1n, SHARE], carol), 'ERC20InsufficientBalance');
    expect(await sharesOf(alice)).toBe(100n * SHARE);
    // The seller moved the shares away after listing: the fill fails, the buyer keeps the money.
    await evm.write(shares, 'transfer', [property.bob, 95n * SHARE], alice);
    const bobUsd = await usdOf(property.bob);
    await expectRevert(evm.write(market, 'fillSellOrder', [1n, 10n * SHARE], property.bob), 'ERC20InsufficientBalance');
    expect(await usdOf(property.bob)).toBe(bobUsd);
  });

  it('checks the seller at listing and both parties at every fill, and says which rule blocks a fill', async () => {
    const { evm, shares, admin, agent, alice, carol } = property;
    await evm.write(shares, 'setLockUpUntil', [(await evm.now()) + YEAR], admin);
    await expectRevert(evm.write(market, 'placeSellOrder', [SHARE, PRICE], alice), 'ComplianceLockedUp', [alice]);
    await evm.write(shares, 'setLockUpUntil', [0n], admin);
    await evm.write(market, 'placeSellOrder', [10n * SHARE, PRICE], alice);
    expect(await evm.read(market, 'canFill', [1n, carol, SHARE])).toEqual([true, 0]);
    await evm.write(shares, 'setAddressFrozen', [carol, true], agent);
    expect(await evm.read(market, 'canFill', [1n, carol, SHARE])).toEqual([false, 6]);
    await expectRevert(evm.write(market, 'fillSellOrder', [1n, SHARE], carol), 'ComplianceReceiverFrozen', [carol]);
    expect(await evm.read(market, 'canFill', [99n, carol, SHARE])).toEqual([false, 2]);
  });

  it('lets only the maker cancel; a cancelled bid is refunded by pull', async () => {
    const { evm, alice, carol } = property;
    await evm.write(market, 'placeBuyOrder', [2n * SHARE, PRICE], carol);
    await expectRevert(evm.write(market, 'cancelOrder', [1n], alice), 'MarketNotMaker', [1n, alice]);
    const before = await usdOf(carol);
    const cancelled = await evm.write(market, 'cancelOrder', [1n], carol);
    expect(evm.events(cancelled, market)[0]?.args).toEqual({ orderId: 1n, remaining: 2n * SHARE });
    expect(await evm.read(market, 'refundOf', [carol])).toBe(2n * PRICE);
    await expectRevert(evm.write(market, 'fillBuyOrder', [1n, SHARE], alice), 'MarketFillExceedsOrder', [1n, 0n, SHARE]);
    await evm.write(market, 'withdrawRefund', [], carol);
    expect(await usdOf(carol)).toBe(before + 2n * PRICE);
    await expectRevert(evm.write(market, 'withdrawRefund', [], carol), 'MarketNothingToWithdraw', [carol]);
  });

  it('rejects empty orders, unknown orders, the wrong side and trading with oneself', async () => {
    const { evm, alice } = property;
    await expectRevert(evm.write(market, 'placeSellOrder', [0n, PRICE], alice), 'MarketInvalidOrder', [0n, PRICE]);
    await expectRevert(evm.write(market, 'placeBuyOrder', [SHARE, 0n], alice), 'MarketInvalidOrder', [SHARE, 0n]);
    await expectRevert(evm.write(market, 'fillSellOrder', [7n, SHARE], alice), 'MarketUnknownOrder', [7n]);
    await evm.write(market, 'placeSellOrder', [SHARE, PRICE], alice);
    await expectRevert(evm.write(market, 'fillBuyOrder', [1n, SHARE], property.bob), 'MarketUnknownOrder', [1n]);
    await expectRevert(evm.write(market, 'fillSellOrder', [1n, SHARE], alice), 'MarketSelfTrade', [1n]);
    await expectRevert(evm.write(market, 'cancelOrder', [5n], alice), 'MarketUnknownOrder', [5n]);
  });
});
