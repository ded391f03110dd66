import { getAddress, type Address } from 'viem';
import { platformErrors } from '../../platform/errors';
import type { AuthContext } from '../../platform/http';
import { chainFailure, type ContractCall } from './chain/chain.service';
import { perform, toAppError } from './tokenization.actions';
import { SHARE_UNIT, type ChainContext } from './tokenization.context';
import { tokenizationErrors } from './tokenization.errors';
import type { TokenPropertyRow } from './tokenization.repository';
import type { ActionResult, AgentWalletState, ComplianceSettings, ComplianceSettingsInput } from './tokenization.schema';
import type { TokenizationService } from './tokenization.service';

const wholeShares = (units: bigint) => Number(units / SHARE_UNIT);

/**
 * The ERC-3643 agent's actions over one property's shares, for the admins of the organization
 * that tokenized it (docs/tokenization.md, "Compliance agent"): freeze or release a wallet or part
 * of its shares, pause all transfers, move shares by force (a court order, an estate) and recover
 * a lost wallet into a new one of the same investor. The platform operator holds the contracts'
 * AGENT_ROLE and signs; each action is simulated first, so a refusal is a 4xx naming the reason
 * and nothing is sent. The routes audit every action with the reason the admin gives.
 */
export class ComplianceAgentService {
  constructor(private readonly tokenization: TokenizationService) {}

  private get deps() {
    return this.tokenization.deps;
  }

  private async administered(auth: AuthContext | null, propertyId: string): Promise<{ property: TokenPropertyRow; context: ChainContext; shares: Address }> {
    const property = await this.tokenization.requireProperty(propertyId, { active: true });
    await this.deps.access.require(auth, property.organization_id, 'admin', 'listings:write', () =>
      tokenizationErrors.TOKENIZED_PROPERTY_NOT_FOUND(`No tokenized property ${propertyId} of an organization you administer.`),
    );
    return { property, context: await this.deps.bootstrap.get(), shares: getAddress(property.shares_address!) };
  }

  private async run(context: ChainContext, action: string, call: ContractCall): Promise<ActionResult> {
    return this.runAll(context, [{ call, description: action }]);
  }

  /** Simulates every step first (a refusal sends nothing), then sends them in order. */
  private async runAll(context: ChainContext, steps: { call: ContractCall; description: string }[]): Promise<ActionResult> {
    const action = steps.map((step) => step.description).join('; ');
    try {
      for (const step of steps) await context.chain.simulate(context.operator.address, step.call);
      return await perform(context, { address: context.operator.address, signer: context.operator }, steps);
    } catch (error) {
      throw toAppError(chainFailure(error, action), action);
    }
  }

  private sharesCall(shares: Address, functionName: string, args: readonly unknown[] = []): ContractCall {
    return { address: shares, contract: 'PropertyShares', functionName, args };
  }

  /** What the agent needs to know of a wallet before acting on it. */
  async walletState(auth: AuthContext | null, propertyId: string, wallet: string): Promise<AgentWalletState> {
    const { context, shares } = await this.administered(auth, propertyId);
    const address = getAddress(wallet);
    const read = <T>(functionName: string, args: readonly unknown[] = []) => context.chain.read<T>(this.sharesCall(shares, functionName, args));
    try {
      const [balance, frozen, frozenUnits, paused, verified] = await Promise.all([
        read<bigint>('balanceOf', [address]),
        read<boolean>('isFrozen', [address]),
        read<bigint>('getFrozenTokens', [address]),
        read<boolean>('paused'),
        context.chain.read<boolean>({ address: context.contracts.registry, contract: 'IdentityRegistry', functionName: 'isVerified', args: [address] }),
      ]);
      return { wallet: address, shares: wholeShares(balance), frozen, frozenShares: wholeShares(frozenUnits), verified, paused };
    } catch (error) {
      throw chainFailure(error, 'read the wallet state');
    }
  }

  async setFrozen(auth: AuthContext | null, propertyId: string, input: { wallet: string; frozen: boolean }): Promise<ActionResult> {
    const { context, shares } = await this.administered(auth, propertyId);
    const action = `${input.frozen ? 'freeze' : 'unfreeze'} wallet ${getAddress(input.wallet)}`;
    return this.run(context, action, this.sharesCall(shares, 'setAddressFrozen', [getAddress(input.wallet), input.frozen]));
  }

  async freezeShares(auth: AuthContext | null, propertyId: string, input: { wallet: string; shares: number; frozen: boolean }): Promise<ActionResult> {
    const { context, shares } = await this.administered(auth, propertyId);
    const action = `${input.frozen ? 'freeze' : 'release'} ${input.shares} shares of ${getAddress(input.wallet)}`;
    const functionName = input.frozen ? 'freezePartialTokens' : 'unfreezePartialTokens';
    return this.run(context, action, this.sharesCall(shares, functionName, [getAddress(input.wallet), BigInt(input.shares) * SHARE_UNIT]));
  }

  async setPaused(auth: AuthContext | null, propertyId: string, paused: boolean): Promise<ActionResult> {
    const { context, shares } = await this.administered(auth, propertyId);
    const current = await context.chain.read<boolean>(this.sharesCall(shares, 'paused')).catch((error: unknown) => {
      throw chainFailure(error, 'read the pause state');
    });
    if (current === paused) throw tokenizationErrors.AGENT_ACTION_REFUSED(`Transfers of these shares are already ${paused ? 'paused' : 'running'}.`);
    return this.run(context, paused ? 'pause all transfers' : 'resume transfers', this.sharesCall(shares, paused ? 'pause' : 'unpause'));
  }

  /** Moves shares without the holder's signature; the receiver must pass compliance like any holder. */
  async forcedTransfer(auth: AuthContext | null, propertyId: string, input: { from: string; to: string; shares: number }): Promise<ActionResult> {
    const { context, shares } = await this.administered(auth, propertyId);
    const from = getAddress(input.from);
    const to = getAddress(input.to);
    if (from === to) throw tokenizationErrors.AGENT_ACTION_REFUSED('A forced transfer needs two different wallets.', [{ path: 'to', message: 'same as from' }]);
    const balance = await context.chain.read<bigint>(this.sharesCall(shares, 'balanceOf', [from])).catch((error: unknown) => {
      throw chainFailure(error, 'read the balance');
    });
    if (balance < BigInt(input.shares) * SHARE_UNIT) {
      throw tokenizationErrors.AGENT_ACTION_REFUSED(`Wallet ${from} holds ${wholeShares(balance)} shares, fewer than ${input.shares}.`, [{ path: 'shares', message: `at most ${wholeShares(balance)}` }]);
    }
    return this.run(context, `move ${input.shares} shares from ${from} to ${to} by force`, this.sharesCall(shares, 'forcedTransfer', [from, to, BigInt(input.shares) * SHARE_UNIT]));
  }

  /**
   * Recovers everything a lost wallet holds (shares, freezes, unclaimed rent) into an empty wallet.
   * The platform adds a rule the contract cannot know: both wallets must belong to the same Domus
   * investor (a custodial or a linked own wallet), so a recovery never hands shares to someone else.
   */
  async recover(auth: AuthContext | null, propertyId: string, input: { lostWallet: string; newWallet: string }): Promise<ActionResult> {
    const { context, shares } = await this.administered(auth, propertyId);
    const lost = getAddress(input.lostWallet);
    const replacement = getAddress(input.newWallet);
    const [lostOwner, newOwner] = await Promise.all([this.deps.investors.userOfWallet(lost), this.deps.investors.userOfWallet(replacement)]);
    if (!lostOwner || lostOwner !== newOwner) {
      throw tokenizationErrors.RECOVERY_WALLET_MISMATCH(
        !lostOwner
          ? `${lost} is not a wallet of any Domus investor; a recovery needs the investor's identity behind both wallets.`
          : `${replacement} does not belong to the investor who owns ${lost}; the investor links the new wallet first (POST /tokenization/wallets).`,
        [{ path: !lostOwner ? 'lostWallet' : 'newWallet', message: 'not the same investor' }],
      );
    }
    await this.deps.investors.syncIdentities([replacement]).catch(() => undefined);
    return this.run(context, `recover ${lost} into ${replacement}`, this.sharesCall(shares, 'recoveryAddress', [lost, replacement]));
  }

  /** The shares' compliance rules as the contract holds them, and the allowance of the countries asked for. */
  async complianceSettings(auth: AuthContext | null, propertyId: string, countries: readonly number[] = []): Promise<ComplianceSettings> {
    const { context, shares } = await this.administered(auth, propertyId);
    return this.readCompliance(context, shares, countries);
  }

  private async readCompliance(context: ChainContext, shares: Address, countries: readonly number[]): Promise<ComplianceSettings> {
    try {
      const [[maxHolders, maxBalance, lockUpUntil, countryRestricted], holders, allowed] = await Promise.all([
        context.chain.read<readonly [bigint, bigint, bigint, boolean]>(this.sharesCall(shares, 'complianceSettings')),
        context.chain.read<bigint>(this.sharesCall(shares, 'holderCount')),
        Promise.all(countries.map((country) => context.chain.read<boolean>(this.sharesCall(shares, 'isCountryAllowed', [country])))),
      ]);
      return {
        maxHolders: Number(maxHolders),
        holders: Number(holders),
        maxBalanceShares: wholeShares(maxBalance),
        lockUpUntil: lockUpUntil === 0n ? null : new Date(Number(lockUpUntil) * 1000).toISOString(),
        countryRestricted,
        countries: countries.map((country, index) => ({ country, allowed: allowed[index]! })),
      };
    } catch (error) {
      throw chainFailure(error, 'read the compliance settings');
    }
  }

  /**
   * Changes the shares' compliance rules after deployment (DEFAULT_ADMIN_ROLE, held by the
   * operator): the holder and balance caps, the lock-up and the country restriction with its
   * allowed countries. Only what differs from the chain is sent, one transaction per setter, all
   * simulated before the first is sent. A cap below today's holders or balances is allowed (it
   * stops new holders and purchases, it never takes shares away); the answer says so.
   */
  async updateCompliance(auth: AuthContext | null, propertyId: string, input: ComplianceSettingsInput): Promise<ActionResult & { settings: ComplianceSettings }> {
    const { context, shares } = await this.administered(auth, propertyId);
    // Checked after authorization, so that a stranger learns nothing about the property.
    if (!Object.keys(input).some((key) => key !== 'reason')) {
      throw platformErrors.VALIDATION_FAILED('Name at least one setting to change.', [{ path: 'maxHolders', message: 'name at least one setting to change' }]);
    }
    const touched = [...(input.allowCountries ?? []), ...(input.disallowCountries ?? [])];
    const current = await this.readCompliance(context, shares, touched);
    const steps: { call: ContractCall; description: string }[] = [];
    if (input.maxHolders !== undefined && input.maxHolders !== current.maxHolders) {
      steps.push({ call: this.sharesCall(shares, 'setMaxHolders', [BigInt(input.maxHolders)]), description: `set the holder cap to ${input.maxHolders || 'none'}` });
    }
    if (input.maxBalanceShares !== undefined && input.maxBalanceShares !== current.maxBalanceShares) {
      steps.push({ call: this.sharesCall(shares, 'setMaxBalance', [BigInt(input.maxBalanceShares) * SHARE_UNIT]), description: `set the per-investor cap to ${input.maxBalanceShares || 'none'} shares` });
    }
    if (input.lockUpUntil !== undefined) {
      const seconds = input.lockUpUntil === null ? 0n : BigInt(Math.floor(new Date(input.lockUpUntil).getTime() / 1000));
      const currentSeconds = current.lockUpUntil === null ? 0n : BigInt(new Date(current.lockUpUntil).getTime() / 1000);
      if (seconds !== currentSeconds) steps.push({ call: this.sharesCall(shares, 'setLockUpUntil', [seconds]), description: input.lockUpUntil === null ? 'end the lock-up' : `lock up sales until ${input.lockUpUntil}` });
    }
    const allow = (input.allowCountries ?? []).filter((country) => !current.countries.find((entry) => entry.country === country)?.allowed);
    const disallow = (input.disallowCountries ?? []).filter((country) => current.countries.find((entry) => entry.country === country)?.allowed);
    if (allow.length > 0) steps.push({ call: this.sharesCall(shares, 'setCountriesAllowed', [allow, true]), description: `allow countries ${allow.join(', ')}` });
    if (disallow.length > 0) steps.push({ call: this.sharesCall(shares, 'setCountriesAllowed', [disallow, false]), description: `disallow countries ${disallow.join(', ')}` });
    // The restriction goes last when it is switched on, so the allowed countries are in place first.
    if (input.countryRestricted !== undefined && input.countryRestricted !== current.countryRestricted) {
      steps.push({ call: this.sharesCall(shares, 'setCountryRestriction', [input.countryRestricted]), description: input.countryRestricted ? 'restrict receivers to the allowed countries' : 'lift the country restriction' });
    }
    if (steps.length === 0) throw tokenizationErrors.AGENT_ACTION_REFUSED('These compliance settings are already in force; nothing to change.');
    const result = await this.runAll(context, steps);
    return { ...result, settings: await this.readCompliance(context, shares, touched) };
  }
}
