/**
 * Every balance path of PropertyShares against every compliance check, with the exact outcome
 * each cell must have: the custom error naming the rule, or success where the path overrides the
 * rule by design (agent actions, system senders) or the rule has nothing to bite on (no sender
 * for a mint, no receiver for a burn). docs/tokenization.md shows the same table.
 */
import type { Address, Hex } from 'viem';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { revertOf, type Deployed } from './support/evm';
import { DAY, deployProperty, FRANCE, GERMANY, SHARE, UNITED_STATES, USD, YEAR, type Property } from './support/fixture';

type PathName =
  | 'transfer'
  | 'transferFrom'
  | 'forcedTransfer'
  | 'recovery'
  | 'mint'
  | 'burn'
  | 'offeringDelivery'
  | 'marketFillSellOrder'
  | 'marketFillBuyOrder';

type CheckName =
  | 'unverifiedReceiver'
  | 'expiredIdentity'
  | 'disallowedCountry'
  | 'maxHolders'
  | 'maxBalance'
  | 'lockUp'
  | 'paused'
  | 'frozenSender'
  | 'frozenReceiver'
  | 'partiallyFrozenAmount';

/** What one path looks like once prepared: who sends, who receives, and the call that moves. */
interface PreparedPath {
  sender: Address | undefined;
  receiver: Address | undefined;
  amount: bigint;
  execute(): Promise<unknown>;
  /** The TransferRule code the path's own pre-check reports (transfer-like paths only). */
  precheck?: () => Promise<number>;
}

interface Context {
  property: Property;
  offering: Deployed;
  market: Deployed;
  /** The investor every path sends from (holds 100 shares). */
  holder: Address;
  /** A verified investor holding nothing: every path's receiver. */
  receiver: Address;
  spender: Address;
}

const AMOUNT = 10n * SHARE;
const PRICE = 50n * USD;

// TransferRule codes (IPropertyShares.TransferRule).
const RULE = {
  Allowed: 0,
  Paused: 1,
  SenderFrozen: 3,
  FrozenAmount: 4,
  LockedUp: 5,
  ReceiverFrozen: 6,
  ReceiverNotVerified: 7,
  IdentityExpired: 8,
  CountryNotAllowed: 9,
  MaxBalanceExceeded: 10,
  MaxHoldersReached: 11,
} as const;

const paths: Record<PathName, (context: Context) => Promise<PreparedPath>> = {
  async transfer({ property, holder, receiver }) {
    const { evm, shares } = property;
    return {
      sender: holder,
      receiver,
      amount: AMOUNT,
      execute: () => evm.write(shares, 'transfer', [receiver, AMOUNT], holder),
      precheck: async () => (await evm.read<[boolean, number]>(shares, 'canTransfer', [holder, receiver, AMOUNT]))[1],
    };
  },
  async transferFrom({ property, holder, receiver, spender }) {
    const { evm, shares } = property;
    await evm.write(shares, 'approve', [spender, AMOUNT], holder);
    return {
      sender: holder,
      receiver,
      amount: AMOUNT,
      execute: () => evm.write(shares, 'transferFrom', [holder, receiver, AMOUNT], spender),
      precheck: async () => (await evm.read<[boolean, number]>(shares, 'canTransfer', [holder, receiver, AMOUNT]))[1],
    };
  },
  async forcedTransfer({ property, holder, receiver }) {
    const { evm, shares, agent } = property;
    return {
      sender: holder,
      receiver,
      amount: AMOUNT,
      execute: () => evm.write(shares, 'forcedTransfer', [holder, receiver, AMOUNT], agent),
    };
  },
  async recovery({ property, holder, receiver }) {
    const { evm, shares, agent } = property;
    return {
      sender: holder,
      receiver,
      amount: await evm.read<bigint>(shares, 'balanceOf', [holder]),
      execute: () => evm.write(shares, 'recoveryAddress', [holder, receiver], agent),
    };
  },
  async mint({ property, receiver }) {
    const { evm, shares, agent } = property;
    return { sender: undefined, receiver, amount: AMOUNT, execute: () => evm.write(shares, 'mint', [receiver, AMOUNT], agent) };
  },
  async burn({ property, holder }) {
    const { evm, shares, agent } = property;
    return { sender: holder, receiver: undefined, amount: AMOUNT, execute: () => evm.write(shares, 'burn', [holder, AMOUNT], agent) };
  },
  async offeringDelivery({ property, offering, receiver }) {
    const { evm, stablecoin } = property;
    await evm.write(stablecoin, 'approve', [offering.address, 10n ** 30n], receiver);
    await evm.write(offering, 'buy', [AMOUNT], receiver);
    await evm.setTime(BigInt(await evm.read<bigint>(offering, 'closesAt')) + 1n);
    await evm.write(offering, 'finalize', []);
    return {
      sender: offering.address,
      receiver,
      amount: AMOUNT,
      execute: () => evm.write(offering, 'claimShares', [receiver], receiver),
      precheck: async () =>
        (await evm.read<[boolean, number]>(property.shares, 'canTransfer', [offering.address, receiver, AMOUNT]))[1],
    };
  },
  async marketFillSellOrder({ property, market, holder, receiver }) {
    const { evm, shares, stablecoin } = property;
    await evm.write(shares, 'approve', [market.address, AMOUNT], holder);
    await evm.write(market, 'placeSellOrder', [AMOUNT, PRICE], holder);
    await evm.write(stablecoin, 'approve', [market.address, 10n ** 30n], receiver);
    const orderId = await evm.read<bigint>(market, 'orderCount');
    return {
      sender: holder,
      receiver,
      amount: AMOUNT,
      execute: () => evm.write(market, 'fillSellOrder', [orderId, AMOUNT], receiver),
      precheck: async () => (await evm.read<[boolean, number]>(market, 'canFill', [orderId, receiver, AMOUNT]))[1],
    };
  },
  async marketFillBuyOrder({ property, market, holder, receiver }) {
    const { evm, shares, stablecoin } = property;
    await evm.write(stablecoin, 'approve', [market.address, 10n ** 30n], receiver);
    await evm.write(market, 'placeBuyOrder', [AMOUNT, PRICE], receiver);
    await evm.write(shares, 'approve', [market.address, AMOUNT], holder);
    const orderId = await evm.read<bigint>(market, 'orderCount');
    return {
      sender: holder,
      receiver,
      amount: AMOUNT,
      execute: () => evm.write(market, 'fillBuyOrder', [orderId, AMOUNT], holder),
      precheck: async () => (await evm.read<[boolean, number]>(market, 'canFill', [orderId, holder, AMOUNT]))[1],
    };
  },
};

/** Puts the chain into the state where `check` would bite on `path`; returns nothing to assert. */
const checks: Record<CheckName, (context: Context, path: PreparedPath) => Promise<void>> = {
  async unverifiedReceiver({ property }, path) {
    if (path.receiver) await property.evm.write(property.registry, 'removeIdentity', [path.receiver], property.admin);
  },
  async expiredIdentity({ property }, path) {
    const { evm, registry, admin } = property;
    if (!path.receiver) return;
    await evm.write(registry, 'setIdentity', [path.receiver, GERMANY, (await evm.now()) + 100n], admin);
    await evm.increaseTime(200n);
  },
  async disallowedCountry({ property }, path) {
    const { evm, registry, shares, admin } = property;
    await evm.write(shares, 'setCountriesAllowed', [[GERMANY, FRANCE], true], admin);
    await evm.write(shares, 'setCountryRestriction', [true], admin);
    if (path.receiver) await evm.write(registry, 'setIdentity', [path.receiver, UNITED_STATES, (await evm.now()) + YEAR], admin);
  },
  async maxHolders({ property }) {
    const { evm, shares, admin } = property;
    await evm.write(shares, 'setMaxHolders', [await evm.read<bigint>(shares, 'holderCount')], admin);
  },
  async maxBalance({ property }, path) {
    await property.evm.write(property.shares, 'setMaxBalance', [path.amount - 1n], property.admin);
  },
  async lockUp({ property }) {
    const { evm, shares, admin } = property;
    await evm.write(shares, 'setLockUpUntil', [(await evm.now()) + YEAR], admin);
  },
  async paused({ property }) {
    await property.evm.write(property.shares, 'pause', [], property.agent);
  },
  async frozenSender({ property }, path) {
    if (path.sender) await property.evm.write(property.shares, 'setAddressFrozen', [path.sender, true], property.agent);
  },
  async frozenReceiver({ property }, path) {
    if (path.receiver) await property.evm.write(property.shares, 'setAddressFrozen', [path.receiver, true], property.agent);
  },
  async partiallyFrozenAmount({ property }, path) {
    const { evm, shares, agent } = property;
    if (!path.sender) return;
    const balance = await evm.read<bigint>(shares, 'balanceOf', [path.sender]);
    // One unit short of what the path moves is free.
    await evm.write(shares, 'freezePartialTokens', [path.sender, balance - path.amount + 1n], agent);
  },
};

type Outcome =
  | { ok: true; because: string }
  | { error: string; args: (path: PreparedPath, context: Context) => unknown[]; rule: number };

const ok = (because: string): Outcome => ({ ok: true, because });
const receiverNotVerified: Outcome = { error: 'ComplianceReceiverNotVerified', args: (p) => [p.receiver], rule: RULE.ReceiverNotVerified };
const identityExpired: Outcome = { error: 'ComplianceIdentityExpired', args: (p) => [p.receiver], rule: RULE.IdentityExpired };
const countryNotAllowed: Outcome = {
  error: 'ComplianceCountryNotAllowed',
  args: (p) => [p.receiver, UNITED_STATES],
  rule: RULE.CountryNotAllowed,
};
const maxHoldersReached: Outcome = { error: 'ComplianceMaxHoldersReached', args: () => [], rule: RULE.MaxHoldersReached };
const maxBalanceExceeded: Outcome = {
  error: 'ComplianceMaxBalanceExceeded',
  args: (p) => [p.receiver, p.amount, p.amount - 1n],
  rule: RULE.MaxBalanceExceeded,
};
const lockedUp: Outcome = { error: 'ComplianceLockedUp', args: (p) => [p.sender], rule: RULE.LockedUp };
const paused: Outcome = { error: 'EnforcedPause', args: () => [], rule: RULE.Paused };
const senderFrozen: Outcome = { error: 'ComplianceSenderFrozen', args: (p) => [p.sender], rule: RULE.SenderFrozen };
const receiverFrozen: Outcome = { error: 'ComplianceReceiverFrozen', args: (p) => [p.receiver], rule: RULE.ReceiverFrozen };
const frozenAmount: Outcome = {
  error: 'ComplianceFrozenAmount',
  args: (p) => [p.sender, p.amount - 1n, p.amount],
  rule: RULE.FrozenAmount,
};

/** Investor paths: every rule applies. */
const investorRow: Record<CheckName, Outcome> = {
  unverifiedReceiver: receiverNotVerified,
  expiredIdentity: identityExpired,
  disallowedCountry: countryNotAllowed,
  maxHolders: maxHoldersReached,
  maxBalance: maxBalanceExceeded,
  lockUp: lockedUp,
  paused,
  frozenSender: senderFrozen,
  frozenReceiver: receiverFrozen,
  partiallyFrozenAmount: frozenAmount,
};

const matrix: Record<PathName, Record<CheckName, Outcome>> = {
  transfer: investorRow,
  transferFrom: investorRow,
  forcedTransfer: {
    ...investorRow,
    lockUp: ok('an agent overrides the lock-up'),
    paused: ok('agents act during a pause'),
    frozenSender: ok('an agent moves shares out of a frozen wallet'),
    partiallyFrozenAmount: ok('an agent unfreezes as much as it moves'),
  },
  recovery: {
    ...investorRow,
    maxHolders: ok('one wallet leaves as one arrives'),
    maxBalance: ok('the same investor keeps the same holding'),
    lockUp: ok('an agent overrides the lock-up'),
    paused: ok('agents act during a pause'),
    frozenSender: ok('the lost wallet is usually frozen; its status follows to the new wallet'),
    partiallyFrozenAmount: ok('frozen shares move with the holding'),
  },
  mint: {
    ...investorRow,
    lockUp: ok('a lock-up binds holders, not issuance'),
    paused: ok('agents act during a pause'),
    frozenSender: ok('a mint has no sender'),
    partiallyFrozenAmount: ok('a mint has no sender'),
  },
  burn: {
    unverifiedReceiver: ok('a burn has no receiver'),
    expiredIdentity: ok('a burn has no receiver'),
    disallowedCountry: ok('a burn has no receiver'),
    maxHolders: ok('a burn adds no holder'),
    maxBalance: ok('a burn has no receiver'),
    lockUp: ok('an agent overrides the lock-up'),
    paused: ok('agents act during a pause'),
    frozenSender: ok('an agent burns from a frozen wallet'),
    frozenReceiver: ok('a burn has no receiver'),
    partiallyFrozenAmount: ok('an agent unfreezes as much as it burns'),
  },
  offeringDelivery: { ...investorRow, lockUp: ok('the offering is a system account: primary delivery runs during a lock-up') },
  marketFillSellOrder: investorRow,
  marketFillBuyOrder: investorRow,
};

describe('compliance matrix: every transfer path against every check', () => {
  let context: Context;
  let base: Hex;

  beforeAll(async () => {
    const property = await deployProperty();
    const { evm, shares, stablecoin, admin, agent, alice, bob, investors } = property;
    const [, , carol, dave] = investors as [Address, Address, Address, Address];
    await evm.write(shares, 'mint', [alice, 100n * SHARE], agent);
    await evm.write(shares, 'mint', [bob, 100n * SHARE], agent);
    const now = await evm.now();
    const offering = await evm.deploy(
      'ShareOffering',
      [shares.address, stablecoin.address, admin, PRICE, 5n * SHARE, 1_000n * SHARE, now, now + 7n * DAY, admin],
      admin,
    );
    await evm.write(shares, 'setSystemAccount', [offering.address, true], admin);
    await evm.write(shares, 'mint', [offering.address, 1_000n * SHARE], agent);
    const market = await evm.deploy('ShareMarket', [shares.address, stablecoin.address], admin);
    context = { property, offering, market, holder: alice, receiver: dave, spender: carol };
    base = await evm.snapshot();
  });

  beforeEach(async () => {
    await context.property.evm.revertTo(base);
    base = await context.property.evm.snapshot();
  });

  for (const [pathName, row] of Object.entries(matrix) as [PathName, Record<CheckName, Outcome>][]) {
    describe(pathName, () => {
      it('succeeds when no rule is broken', async () => {
        const { evm, shares } = context.property;
        const path = await paths[pathName](context);
        if (path.precheck) expect(await path.precheck()).toBe(RULE.Allowed);
        const receiverBefore = path.receiver ? await evm.read<bigint>(shares, 'balanceOf', [path.receiver]) : 0n;
        await path.execute();
        if (path.receiver) {
          expect(await evm.read<bigint>(shares, 'balanceOf', [path.receiver])).toBe(receiverBefore + path.amount);
        }
      });

      for (const [checkName, outcome] of Object.entries(row) as [CheckName, Outcome][]) {
        const title = 'error' in outcome ? `${checkName}: reverts with ${outcome.error}` : `${checkName}: passes (${outcome.because})`;
        it(title, async () => {
          const { evm, shares } = context.property;
          const path = await paths[pathName](context);
          await checks[checkName](context, path);
          if ('error' in outcome) {
            const supplyBefore = await evm.read<bigint>(shares, 'totalSupply');
            const revert = await revertOf(path.execute());
            expect(revert.errorName).toBe(outcome.error);
            const expectedArgs = outcome.args(path, context);
            expect(revert.args.slice(0, expectedArgs.length)).toEqual(expectedArgs);
            // The pre-check that the API runs names the same rule.
            if (path.precheck) expect(await path.precheck()).toBe(outcome.rule);
            expect(await evm.read<bigint>(shares, 'totalSupply')).toBe(supplyBefore);
          } else {
            const balance = (account: Address | undefined) =>
              account ? evm.read<bigint>(shares, 'balanceOf', [account]) : Promise.resolve(0n);
            const [senderBefore, receiverBefore] = [await balance(path.sender), await balance(path.receiver)];
            await path.execute();
            if (path.sender) expect(await balance(path.sender)).toBe(senderBefore - path.amount);
            if (path.receiver) expect(await balance(path.receiver)).toBe(receiverBefore + path.amount);
          }
        });
      }
    });
  }

  it('frozen shares follow a recovered wallet, and the lost wallet ends frozen', async () => {
    const { evm, shares, agent } = context.property;
    const { holder, receiver } = context;
    await evm.write(shares, 'freezePartialTokens', [holder, 30n * SHARE], agent);
    await evm.write(shares, 'recoveryAddress', [holder, receiver], agent);
    expect(await evm.read<bigint>(shares, 'getFrozenTokens', [receiver])).toBe(30n * SHARE);
    expect(await evm.read<bigint>(shares, 'getFrozenTokens', [holder])).toBe(0n);
    expect(await evm.read<boolean>(shares, 'isFrozen', [holder])).toBe(true);
    expect(await evm.read<boolean>(shares, 'isFrozen', [receiver])).toBe(false);
  });

  it('a forced transfer unfreezes exactly the shortfall', async () => {
    const { evm, shares, agent } = context.property;
    const { holder, receiver } = context;
    await evm.write(shares, 'freezePartialTokens', [holder, 95n * SHARE], agent);
    const receipt = await evm.write(shares, 'forcedTransfer', [holder, receiver, 10n * SHARE], agent);
    expect(await evm.read<bigint>(shares, 'getFrozenTokens', [holder])).toBe(90n * SHARE);
    expect(evm.events(receipt, shares).find((event) => event.eventName === 'TokensUnfrozen')?.args).toEqual({
      account: holder,
      amount: 5n * SHARE,
    });
  });

  it('max holders lets a receiver in when the sender leaves with everything it held', async () => {
    const { evm, shares, admin } = context.property;
    const { holder, receiver } = context;
    await evm.write(shares, 'setMaxHolders', [await evm.read<bigint>(shares, 'holderCount')], admin);
    await evm.write(shares, 'transfer', [receiver, 100n * SHARE], holder);
    expect(await evm.read<bigint>(shares, 'balanceOf', [receiver])).toBe(100n * SHARE);
  });
});
