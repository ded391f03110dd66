/**
 * A reference model of rent distribution, written independently of the contract's bookkeeping:
 * it keeps no corrections and no pending shares, only each account's balance and the lowest
 * balance it has had since the last record boundary ("held continuously since the record
 * date"), which is what the record-date rule says a deposit is shared over. Excluded (system)
 * accounts count as holding nothing.
 *
 * `runSequence` drives a seeded random sequence of mints, burns, transfers, forced transfers,
 * recoveries, exclusions, freezes, deposits, claims, dust releases, sweeps and time jumps against
 * the contracts and the model, and checks after every step:
 *  1. per account: claimed * M + unclaimed (magnified, read from the contract) equals the model's
 *     magnified entitlement exactly;
 *  2. per account: claimed + claimable never exceeds its exact pro-rata share of every deposit;
 *  3. the books: (deposited - claimed - swept) * M = accounted dust + the sum of everyone's
 *     unclaimed, i.e. claimed + claimable + dust = deposited, with the unaccounted sub-unit dust
 *     bounded, and the contract's stablecoin balance matching;
 *  4. the eligible supply the contract would share the next deposit over equals the model's.
 */
import type { Address } from 'viem';
import { expect } from 'vitest';
import { revertOf } from './evm';
import { SHARE, type Property } from './fixture';

export const MAGNITUDE = 2n ** 128n;

interface AccountModel {
  balance: bigint;
  /** Lowest effective balance since the start of `epoch`. */
  recordMin: bigint;
  system: boolean;
  frozen: boolean;
  entitledMagnified: bigint;
  claimed: bigint;
  /** Exact pro-rata share of all deposits, as a fraction. */
  proRataNumerator: bigint;
  proRataDenominator: bigint;
}

/** Deterministic PRNG (mulberry32) so a failing seed replays exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export interface SequenceOptions {
  seed: number;
  steps: number;
  /** Investors (verified, not system) the sequence moves shares between. */
  investors: Address[];
  /** A wallet flagged as a system account (like an offering's inventory). */
  systemAccount: Address;
  /** Verified, empty wallets that recoveries move holdings to. Existing holdings must have been
   * acquired before the current record period (they count from the first deposit). */
  recoveryWallets: Address[];
}

export interface SequenceStats {
  steps: number;
  deposits: number;
  claims: number;
  transfers: number;
  forcedTransfers: number;
  recoveries: number;
  mints: number;
  burns: number;
  exclusions: number;
  rejectedDeposits: number;
  maxDustUnits: bigint;
}

export async function runSequence(property: Property, options: SequenceOptions): Promise<SequenceStats> {
  const { evm, shares, distributor, stablecoin, admin, agent, recordPeriod } = property;
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;

  const accounts = new Map<Address, AccountModel>();
  const model = (account: Address): AccountModel => {
    let entry = accounts.get(account);
    if (!entry) {
      entry = {
        balance: 0n,
        recordMin: 0n,
        system: false,
        frozen: false,
        entitledMagnified: 0n,
        claimed: 0n,
        proRataNumerator: 0n,
        proRataDenominator: 1n,
      };
      accounts.set(account, entry);
    }
    return entry;
  };
  for (const investor of options.investors) model(investor);
  model(options.systemAccount).system = true;
  // Start from the chain's holdings, which must predate the current record period.
  for (const [address, entry] of accounts) entry.balance = await evm.read<bigint>(shares, 'balanceOf', [address]);
  const recoveryWallets = [...options.recoveryWallets];
  const effective = (entry: AccountModel) => (entry.system ? 0n : entry.balance);

  let deposited = 0n;
  let claimedTotal = 0n;
  let swept = 0n;
  let depositCount = 0n;
  let clock = (await evm.now()) + 10n;
  let epoch = clock / recordPeriod;
  for (const entry of accounts.values()) entry.recordMin = effective(entry);
  const stats: SequenceStats = {
    steps: 0,
    deposits: 0,
    claims: 0,
    transfers: 0,
    forcedTransfers: 0,
    recoveries: 0,
    mints: 0,
    burns: 0,
    exclusions: 0,
    rejectedDeposits: 0,
    maxDustUnits: 0n,
  };

  /** Every transaction runs at a timestamp the model chose; a new epoch resets the record minimums. */
  const atNextTick = async () => {
    clock += 1n + BigInt(Math.floor(random() * 3_600));
    // Calls are estimated one second ahead; never straddle a record boundary doing so.
    if ((clock + 2n) / recordPeriod !== clock / recordPeriod) clock += 3n;
    await evm.setNextBlockTimestamp(clock);
    const nextEpoch = clock / recordPeriod;
    if (nextEpoch !== epoch) {
      epoch = nextEpoch;
      for (const entry of accounts.values()) entry.recordMin = effective(entry);
    }
  };
  /** For a step that sends no transaction: mine an empty block at the chosen time instead. */
  const idle = async () => {
    await evm.provider.request({ method: 'evm_mine' as never });
  };
  const lowered = (entry: AccountModel) => {
    const value = effective(entry);
    if (value < entry.recordMin) entry.recordMin = value;
  };
  const amountOf = (balance: bigint): bigint => {
    if (balance === 0n) return 0n;
    const roll = random();
    if (roll < 0.2) return balance; // leave entirely
    if (roll < 0.3) return 1n; // one indivisible unit
    return 1n + (balance * BigInt(Math.floor(random() * 1_000_000))) / 1_000_000n;
  };
  const holdersWithShares = (filter: (entry: AccountModel) => boolean) =>
    [...accounts.entries()].filter(([, entry]) => entry.balance > 0n && filter(entry)).map(([address]) => address);
  const receivers = () => [...accounts.entries()].filter(([, entry]) => !entry.frozen).map(([address]) => address);
  const pickReceiver = (except?: Address): Address | undefined => {
    const candidates = receivers().filter((address) => address !== except);
    return candidates.length === 0 ? undefined : pick(candidates);
  };

  const moveInModel = (from: Address | undefined, to: Address | undefined, amount: bigint) => {
    if (from) {
      const entry = model(from);
      entry.balance -= amount;
      lowered(entry);
    }
    if (to) model(to).balance += amount; // arrivals never raise the record minimum
  };

  const actions: [number, () => Promise<void>][] = [
    [
      8,
      async () => {
        const to = pickReceiver();
        if (!to) return;
        const amount = BigInt(1 + Math.floor(random() * 500)) * SHARE + BigInt(Math.floor(random() * 1000));
        await atNextTick();
        await evm.write(shares, 'mint', [to, amount], agent);
        moveInModel(undefined, to, amount);
        stats.mints += 1;
      },
    ],
    [
      5,
      async () => {
        const candidates = holdersWithShares(() => true);
        if (candidates.length === 0) return;
        const from = pick(candidates);
        const amount = amountOf(model(from).balance);
        await atNextTick();
        await evm.write(shares, 'burn', [from, amount], agent);
        moveInModel(from, undefined, amount);
        stats.burns += 1;
      },
    ],
    [
      25,
      async () => {
        const candidates = holdersWithShares((entry) => !entry.frozen);
        if (candidates.length === 0) return;
        const from = pick(candidates);
        const to = pickReceiver(from);
        if (!to) return;
        const amount = amountOf(model(from).balance);
        await atNextTick();
        await evm.write(shares, 'transfer', [to, amount], from);
        moveInModel(from, to, amount);
        stats.transfers += 1;
      },
    ],
    [
      8,
      async () => {
        const candidates = holdersWithShares(() => true);
        if (candidates.length === 0) return;
        const from = pick(candidates);
        const to = pickReceiver(from);
        if (!to) return;
        const amount = amountOf(model(from).balance);
        await atNextTick();
        await evm.write(shares, 'forcedTransfer', [from, to, amount], agent);
        moveInModel(from, to, amount);
        stats.forcedTransfers += 1;
      },
    ],
    [
      3,
      async () => {
        const lostCandidates = [...accounts.entries()].filter(([, entry]) => !entry.system).map(([address]) => address);
        const newWallet = recoveryWallets.shift();
        if (!newWallet || lostCandidates.length === 0) return;
        const lost = pick(lostCandidates);
        await atNextTick();
        await evm.write(shares, 'recoveryAddress', [lost, newWallet], agent);
        const from = model(lost);
        const to = model(newWallet);
        // The same investor: holding, record minimum, entitlement and claims move as they are.
        to.balance = from.balance;
        to.recordMin = from.recordMin;
        to.frozen = from.frozen;
        to.entitledMagnified += from.entitledMagnified;
        to.claimed += from.claimed;
        to.proRataNumerator = to.proRataNumerator * from.proRataDenominator + from.proRataNumerator * to.proRataDenominator;
        to.proRataDenominator *= from.proRataDenominator;
        Object.assign(from, {
          balance: 0n,
          recordMin: 0n,
          frozen: true,
          entitledMagnified: 0n,
          claimed: 0n,
          proRataNumerator: 0n,
          proRataDenominator: 1n,
        });
        stats.recoveries += 1;
      },
    ],
    [
      2,
      async () => {
        // Flag or unflag an investor as a system account (what an offering contract is).
        const account = options.investors[options.investors.length - 1] as Address;
        const entry = model(account);
        await atNextTick();
        await evm.write(shares, 'setSystemAccount', [account, !entry.system], admin);
        entry.system = !entry.system;
        lowered(entry); // excluded now, or just arrived: nothing counts before the next record date
        if (!entry.system) entry.recordMin = 0n;
        stats.exclusions += 1;
      },
    ],
    [
      2,
      async () => {
        const account = pick([...accounts.keys()]);
        const entry = model(account);
        await atNextTick();
        await evm.write(shares, 'setAddressFrozen', [account, !entry.frozen], agent);
        entry.frozen = !entry.frozen;
      },
    ],
    [
      12,
      async () => {
        const amount = pick([1n, 7n, 999_999n, 1_000_003n, BigInt(1 + Math.floor(random() * 50_000_000_000))]);
        let eligible = 0n;
        await atNextTick();
        for (const entry of accounts.values()) eligible += entry.recordMin;
        if (eligible < SHARE) {
          await idle();
          const revert = await revertOf(evm.write(distributor, 'deposit', [amount], admin));
          expect(revert.errorName).toBe('RentDistributorEligibleSupplyTooLow');
          expect(revert.args[0]).toBe(eligible);
          stats.rejectedDeposits += 1;
          return;
        }
        const receipt = await evm.write(distributor, 'deposit', [amount], admin);
        const event = evm.events(receipt, distributor).find((e) => e.eventName === 'RentDeposited');
        expect(event?.args.eligibleSupply, 'eligible supply of a deposit').toBe(eligible);
        const increase = event?.args.magnifiedPerShareIncrease as bigint;
        expect(increase).toBe((amount * MAGNITUDE) / eligible);
        for (const entry of accounts.values()) {
          if (entry.recordMin === 0n) continue;
          entry.entitledMagnified += increase * entry.recordMin;
          entry.proRataNumerator = entry.proRataNumerator * eligible + amount * entry.recordMin * entry.proRataDenominator;
          entry.proRataDenominator *= eligible;
          const divisor = gcd(entry.proRataNumerator, entry.proRataDenominator);
          entry.proRataNumerator /= divisor;
          entry.proRataDenominator /= divisor;
        }
        deposited += amount;
        depositCount += 1n;
        stats.deposits += 1;
      },
    ],
    [
      15,
      async () => {
        const holder = pick([...accounts.keys()]);
        const entry = model(holder);
        const expected = (entry.entitledMagnified - entry.claimed * MAGNITUDE) / MAGNITUDE;
        await atNextTick();
        if (entry.frozen || expected === 0n) await idle();
        if (entry.frozen) {
          expect((await revertOf(evm.write(distributor, 'claim', [], holder))).errorName).toBe('RentDistributorHolderFrozen');
          return;
        }
        if (expected === 0n) {
          expect((await revertOf(evm.write(distributor, 'claim', [], holder))).errorName).toBe('RentDistributorNothingToClaim');
          return;
        }
        const before = await evm.read<bigint>(stablecoin, 'balanceOf', [holder]);
        await evm.write(distributor, 'claim', [], holder);
        expect(await evm.read<bigint>(stablecoin, 'balanceOf', [holder])).toBe(before + expected);
        entry.claimed += expected;
        claimedTotal += expected;
        stats.claims += 1;
      },
    ],
    [
      3,
      async () => {
        const candidates = [...accounts.entries()].filter(([, entry]) => entry.balance === 0n || entry.system);
        if (candidates.length === 0) return;
        const [holder, entry] = pick(candidates);
        await atNextTick();
        await evm.write(distributor, 'releaseDust', [holder]);
        const fraction = (entry.entitledMagnified - entry.claimed * MAGNITUDE) % MAGNITUDE;
        entry.entitledMagnified -= fraction; // forfeited: no deposit can ever complete it
      },
    ],
    [
      2,
      async () => {
        await atNextTick();
        const [, , sweptBefore, dustMagnified] = await evm.read<bigint[]>(distributor, 'accounts');
        await evm.write(distributor, 'sweepDust', [admin], admin);
        swept += (dustMagnified as bigint) / MAGNITUDE;
        expect((await evm.read<bigint[]>(distributor, 'accounts'))[2]).toBe((sweptBefore as bigint) + (dustMagnified as bigint) / MAGNITUDE);
      },
    ],
    [
      8,
      async () => {
        // Time passes: often across one or two record boundaries.
        clock += BigInt(Math.floor(random() * Number(recordPeriod) * 2));
      },
    ],
  ];
  const totalWeight = actions.reduce((sum, [weight]) => sum + weight, 0);

  const checkInvariants = async (step: number) => {
    const where = `seed ${options.seed}, step ${step}`;
    let unclaimedSum = 0n;
    let claimableSum = 0n;
    for (const [address, entry] of accounts) {
      expect(await evm.read<bigint>(shares, 'balanceOf', [address]), `${where}: balance of ${address}`).toBe(entry.balance);
      const unclaimed = await evm.read<bigint>(distributor, 'magnifiedUnclaimedOf', [address]);
      expect(entry.claimed * MAGNITUDE + unclaimed, `${where}: entitlement of ${address}`).toBe(entry.entitledMagnified);
      const claimable = unclaimed / MAGNITUDE;
      // Never more than the exact pro-rata share of every deposit.
      expect((entry.claimed + claimable) * entry.proRataDenominator <= entry.proRataNumerator, `${where}: pro rata of ${address}`).toBe(true);
      unclaimedSum += unclaimed;
      claimableSum += claimable;
    }
    const [totalDeposited, totalClaimed, totalSwept, dustMagnified] = await evm.read<bigint[]>(distributor, 'accounts');
    expect([totalDeposited, totalClaimed, totalSwept], `${where}: totals`).toEqual([deposited, claimedTotal, swept]);
    // The books balance to the last magnified unit.
    expect((deposited - claimedTotal - swept) * MAGNITUDE, `${where}: books`).toBe((dustMagnified as bigint) + unclaimedSum);
    // claimed + claimable + dust = deposited, dust being what no one can claim: bounded by one
    // unit per deposit (division remainders) and one per account (sub-unit fractions).
    const dust = deposited - swept - claimedTotal - claimableSum;
    expect(dust >= 0n && dust <= depositCount + BigInt(accounts.size), `${where}: dust ${dust}`).toBe(true);
    if (dust > stats.maxDustUnits) stats.maxDustUnits = dust;
    expect(await evm.read<bigint>(stablecoin, 'balanceOf', [distributor.address]), `${where}: vault`).toBe(deposited - claimedTotal - swept);
    let eligible = 0n;
    for (const entry of accounts.values()) eligible += entry.recordMin;
    expect(await evm.read<bigint>(distributor, 'eligibleSupply'), `${where}: eligible supply`).toBe(eligible);
  };

  for (let step = 0; step < options.steps; step += 1) {
    let roll = random() * totalWeight;
    const action = actions.find(([weight]) => (roll -= weight) < 0) ?? (actions[0] as [number, () => Promise<void>]);
    await action[1]();
    stats.steps += 1;
    await checkInvariants(step);
  }
  return stats;
}
