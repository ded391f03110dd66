import { getAddress, keccak256, toHex, type Address } from 'viem';
import type { Clock } from '../../platform/clock';
import type { AuthContext } from '../../platform/http';
import { newId } from '../../platform/ids';
import type { Logger } from '../../platform/logger';
import { requireUser, type OrganizationAccess } from '../identity';
import type { ChainBootstrap, ChainContext } from './tokenization.context';
import { SHARE_UNIT } from './tokenization.context';
import { perform, toAppError, type Step } from './tokenization.actions';
import { tokenizationErrors, validationFailed } from './tokenization.errors';
import { fromMinor, toMinor, type InvestorsService } from './investors.service';
import type { OfferingRow, TokenizationRepository, TokenPropertyRow } from './tokenization.repository';
import type { ActionResult, CreateOfferingInput, OfferingView, TokenizeInput, TokenizedPropertyView } from './tokenization.schema';

/** What tokenization needs of listings: any listing by id, with its property. */
export interface TokenizationListings {
  findListing(id: string): Promise<{ id: string; organizationId: string; propertyId: string; status: string; title: string } | null>;
}

export interface TokenizationDependencies {
  repository: TokenizationRepository;
  bootstrap: ChainBootstrap;
  investors: InvestorsService;
  access: OrganizationAccess;
  listings: TokenizationListings;
  clock: Clock;
  logger: Logger;
  recordPeriodSeconds: number;
}

const offeringStates = ['open', 'succeeded', 'failed'] as const;

/**
 * Issuer-side flows (docs/tokenization.md, "Platform flows"): tokenizing a listed property,
 * running its offerings and depositing rent. Multi-transaction deployments record each contract
 * as soon as its transaction is mined and check the chain before repeating a step, so a failure
 * half-way leaves an honest 'deploying' record that the same request resumes.
 */
export class TokenizationService {
  private readonly locks = new Map<string, Promise<unknown>>();
  constructor(readonly deps: TokenizationDependencies) {}

  private get repository() {
    return this.deps.repository;
  }

  /** One deployment at a time per key (property or offering), in this process. */
  private serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    this.locks.set(key, run.catch(() => undefined));
    return run;
  }

  async chainNow(context: ChainContext): Promise<number> {
    if (context.chain.kind === 'in-process') return Math.floor(this.deps.clock.now().getTime() / 1000);
    return Number(await context.chain.blockTimestamp());
  }

  async tokenize(auth: AuthContext | null, input: TokenizeInput): Promise<TokenizedPropertyView> {
    const userId = requireUser(auth);
    const listing = await this.deps.listings.findListing(input.listingId);
    const notFound = () => tokenizationErrors.TOKENIZATION_LISTING_NOT_FOUND(`No listing ${input.listingId} of an organization you administer.`, [{ path: 'listingId', message: 'no such listing' }]);
    if (!listing) throw notFound();
    await this.deps.access.require(auth, listing.organizationId, 'admin', 'listings:write', notFound);
    if (listing.status !== 'active') {
      throw tokenizationErrors.LISTING_NOT_TOKENIZABLE(`Listing ${listing.id} is ${listing.status}; only an active (listed) property can be tokenized.`, [{ path: 'listingId', message: `the listing is ${listing.status}` }]);
    }
    const context = await this.deps.bootstrap.get();
    return this.serialised(`property:${listing.propertyId}`, async () => {
      let row = await this.repository.findPropertyOfListedProperty(context.chain.chainId, listing.propertyId);
      if (row?.status === 'active') throw tokenizationErrors.PROPERTY_ALREADY_TOKENIZED(`The property of listing ${listing.id} is already tokenized as ${row.id}.`, [], { tokenizedPropertyId: row.id });
      if (!row) {
        const now = this.deps.clock.now();
        const deedId = await this.repository.nextDeedNumber();
        row = {
          id: newId(),
          chain_id: context.chain.chainId,
          listing_id: listing.id,
          property_id: listing.propertyId,
          organization_id: listing.organizationId,
          deed_id: deedId,
          name: input.name ?? `Domus ${listing.title}`.slice(0, 80),
          symbol: input.symbol ?? `DOM${deedId}`,
          title_hash: input.titleDocumentsHash ?? keccak256(toHex(`domus listing ${listing.id} property ${listing.propertyId}`)),
          record_period_seconds: this.deps.recordPeriodSeconds,
          status: 'deploying',
          shares_address: null,
          distributor_address: null,
          market_address: null,
          deed_issued: false,
          last_error: null,
          created_by: userId,
          created_at: now,
          updated_at: now,
        };
        await this.repository.insertProperty(row);
      }
      try {
        await this.deployProperty(context, row);
      } catch (error) {
        const mapped = toAppError(error, 'deploy the property contracts');
        await this.repository.updateProperty(row.id, { last_error: mapped.message.slice(0, 500), updated_at: this.deps.clock.now() });
        throw mapped;
      }
      return this.propertyView(context, (await this.repository.findProperty(row.id))!);
    });
  }

  private async deployProperty(context: ChainContext, row: TokenPropertyRow): Promise<void> {
    const { chain, contracts, operator, indexer } = context;
    const save = async (changes: Partial<TokenPropertyRow>) => {
      Object.assign(row, changes);
      await this.repository.updateProperty(row.id, { ...changes, updated_at: this.deps.clock.now() });
    };
    if (!row.shares_address) {
      const shares = await chain.deploy('PropertyShares', [row.name, row.symbol, contracts.registry, contracts.deed, BigInt(row.deed_id), operator.address]);
      await save({ shares_address: shares.address });
      await indexer.watch({ address: shares.address, kind: 'shares', deployedBlock: shares.receipt.blockNumber });
    }
    const sharesAddress = getAddress(row.shares_address!);
    const shares = { address: sharesAddress, contract: 'PropertyShares' as const };
    if (!row.distributor_address) {
      const distributor = await chain.deploy('RentDistributor', [sharesAddress, contracts.stablecoin, BigInt(row.record_period_seconds), operator.address]);
      await save({ distributor_address: distributor.address });
      await indexer.watch({ address: distributor.address, kind: 'distributor', deployedBlock: distributor.receipt.blockNumber });
    }
    const connected = await chain.read<Address>({ ...shares, functionName: 'distributor' });
    if (getAddress(connected) !== getAddress(row.distributor_address!)) {
      await chain.write(operator, { ...shares, functionName: 'connectDistributor', args: [row.distributor_address] });
    }
    if (!row.market_address) {
      const market = await chain.deploy('ShareMarket', [sharesAddress, contracts.stablecoin]);
      await save({ market_address: market.address });
      await indexer.watch({ address: market.address, kind: 'market', deployedBlock: market.receipt.blockNumber });
    }
    // The operator receives unsold inventory and proceeds: a platform custody account, never a rent earner.
    if (!(await chain.read<boolean>({ ...shares, functionName: 'isSystemAccount', args: [operator.address] }))) {
      await chain.write(operator, { ...shares, functionName: 'setSystemAccount', args: [operator.address, true] });
    }
    if (!row.deed_issued) {
      const owner = await chain.read<Address>({ address: contracts.deed, contract: 'PropertyDeed', functionName: 'ownerOf', args: [BigInt(row.deed_id)] }).catch(() => null);
      if (!owner) await chain.write(operator, { address: contracts.deed, contract: 'PropertyDeed', functionName: 'issueDeed', args: [sharesAddress, BigInt(row.deed_id), row.title_hash] });
      await save({ deed_issued: true });
    }
    await save({ status: 'active', last_error: null });
    await indexer.catchUp().catch(() => undefined);
  }

  async listProperties(): Promise<TokenizedPropertyView[]> {
    const context = await this.deps.bootstrap.get();
    const rows = await this.repository.listProperties(context.chain.chainId);
    return Promise.all(rows.map((row) => this.propertyView(context, row)));
  }

  async getProperty(id: string): Promise<TokenizedPropertyView> {
    const context = await this.deps.bootstrap.get();
    return this.propertyView(context, await this.requireProperty(id));
  }

  async requireProperty(id: string, options: { active?: boolean } = {}): Promise<TokenPropertyRow> {
    const row = await this.repository.findProperty(id);
    if (!row) throw tokenizationErrors.TOKENIZED_PROPERTY_NOT_FOUND(`No tokenized property ${id}.`);
    if (options.active && row.status !== 'active') throw tokenizationErrors.TOKENIZED_PROPERTY_NOT_FOUND(`Tokenized property ${id} is still being deployed; tokenize it again to resume.`);
    return row;
  }

  async propertyView(context: ChainContext, row: TokenPropertyRow): Promise<TokenizedPropertyView> {
    const decimals = context.contracts.stablecoinDecimals;
    const holders = row.shares_address ? (await this.repository.holdersOf(context.chain.chainId, row.shares_address)).filter((holder) => holder.holder !== context.operator.address) : [];
    const rent = row.distributor_address ? await this.repository.rentTotals(context.chain.chainId, row.distributor_address) : { deposited: '0', claimed: '0', deposits: 0 };
    const offerings = await Promise.all((await this.repository.listOfferings(row.id)).map((offering) => this.offeringView(context, offering)));
    return {
      id: row.id,
      listingId: row.listing_id,
      propertyId: row.property_id,
      organizationId: row.organization_id,
      chainId: row.chain_id,
      deedId: Number(row.deed_id),
      name: row.name,
      symbol: row.symbol,
      titleDocumentsHash: row.title_hash,
      status: row.status,
      lastError: row.last_error,
      contracts: {
        deed: context.contracts.deed,
        registry: context.contracts.registry,
        shares: row.shares_address,
        distributor: row.distributor_address,
        market: row.market_address,
        stablecoin: context.contracts.stablecoin,
      },
      recordPeriodSeconds: row.record_period_seconds,
      holders: holders.length,
      rent: {
        deposited: { amountMinor: toMinor(BigInt(rent.deposited), decimals), currency: 'USD' },
        claimed: { amountMinor: toMinor(BigInt(rent.claimed), decimals), currency: 'USD' },
        deposits: rent.deposits,
      },
      offerings,
      createdAt: row.created_at.toISOString(),
    };
  }

  // ---- offerings ------------------------------------------------------------------------------

  async createOffering(auth: AuthContext | null, propertyId: string, input: CreateOfferingInput): Promise<OfferingView> {
    const userId = requireUser(auth);
    const property = await this.requireProperty(propertyId);
    await this.deps.access.require(auth, property.organization_id, 'admin', 'listings:write', () => tokenizationErrors.TOKENIZED_PROPERTY_NOT_FOUND(`No tokenized property ${propertyId} of an organization you administer.`));
    if (property.status !== 'active') throw tokenizationErrors.TOKENIZED_PROPERTY_NOT_FOUND(`Tokenized property ${propertyId} is still being deployed; tokenize it again to resume.`);
    const context = await this.deps.bootstrap.get();
    const now = this.deps.clock.now();
    const opensAt = input.opensAt ? new Date(input.opensAt) : now;
    const closesAt = new Date(input.closesAt);
    const problems = [];
    if (input.softCapShares > input.hardCapShares) problems.push({ path: 'softCapShares', message: 'must not exceed hardCapShares' });
    if (closesAt <= opensAt) problems.push({ path: 'closesAt', message: 'must be after opensAt' });
    if (closesAt <= now) problems.push({ path: 'closesAt', message: 'must be in the future' });
    if (problems.length > 0) throw validationFailed(problems);
    return this.serialised(`offerings:${property.id}`, async () => {
      const existing = await this.repository.listOfferings(property.id);
      let row = existing.find((offering) => offering.status === 'deploying');
      const running = existing.find((offering) => offering.status === 'open');
      if (running) throw tokenizationErrors.OFFERING_ALREADY_RUNNING(`Offering ${running.id} of this property is not finalized yet.`, [], { offeringId: running.id });
      if (!row) {
        row = {
          id: newId(),
          token_property_id: property.id,
          address: null,
          price_minor: input.pricePerShare.amountMinor,
          soft_cap_shares: input.softCapShares,
          hard_cap_shares: input.hardCapShares,
          opens_at: opensAt,
          closes_at: closesAt,
          status: 'deploying',
          deploy_step: 'none',
          created_by: userId,
          created_at: now,
          updated_at: now,
        };
        await this.repository.insertOffering(row);
      }
      try {
        await this.deployOffering(context, property, row);
      } catch (error) {
        throw toAppError(error, 'deploy the offering');
      }
      return this.offeringView(context, (await this.repository.findOffering(row.id))!);
    });
  }

  private async deployOffering(context: ChainContext, property: TokenPropertyRow, row: OfferingRow): Promise<void> {
    const { chain, contracts, operator, indexer } = context;
    const shares = { address: getAddress(property.shares_address!), contract: 'PropertyShares' as const };
    const hardCap = BigInt(row.hard_cap_shares) * SHARE_UNIT;
    if (!row.address) {
      const offering = await chain.deploy('ShareOffering', [
        shares.address,
        contracts.stablecoin,
        operator.address,
        fromMinor(Number(row.price_minor), contracts.stablecoinDecimals),
        BigInt(row.soft_cap_shares) * SHARE_UNIT,
        hardCap,
        BigInt(Math.floor(row.opens_at.getTime() / 1000)),
        BigInt(Math.floor(row.closes_at.getTime() / 1000)),
        operator.address,
      ]);
      row.address = offering.address;
      await this.repository.updateOffering(row.id, { address: offering.address, deploy_step: 'deployed', updated_at: this.deps.clock.now() });
      await indexer.watch({ address: offering.address, kind: 'offering', deployedBlock: offering.receipt.blockNumber });
    }
    const address = getAddress(row.address);
    if (!(await chain.read<boolean>({ ...shares, functionName: 'isSystemAccount', args: [address] }))) {
      await chain.write(operator, { ...shares, functionName: 'setSystemAccount', args: [address, true] });
    }
    const inventory = await chain.read<bigint>({ ...shares, functionName: 'balanceOf', args: [address] });
    const sold = await chain.read<bigint>({ address, contract: 'ShareOffering', functionName: 'sold' });
    if (inventory + sold < hardCap) await chain.write(operator, { ...shares, functionName: 'mint', args: [address, hardCap - inventory - sold] });
    await this.repository.updateOffering(row.id, { status: 'open', deploy_step: 'minted', updated_at: this.deps.clock.now() });
    await indexer.catchUp().catch(() => undefined);
  }

  async requireOffering(id: string): Promise<{ offering: OfferingRow; property: TokenPropertyRow }> {
    const offering = await this.repository.findOffering(id);
    if (!offering) throw tokenizationErrors.OFFERING_NOT_FOUND(`No offering ${id}.`);
    return { offering, property: (await this.repository.findProperty(offering.token_property_id))! };
  }

  async getOffering(id: string): Promise<OfferingView> {
    const context = await this.deps.bootstrap.get();
    return this.offeringView(context, (await this.requireOffering(id)).offering);
  }

  async offeringView(context: ChainContext, row: OfferingRow): Promise<OfferingView> {
    const decimals = context.contracts.stablecoinDecimals;
    let status: OfferingView['status'] = 'deploying';
    let sold = 0n;
    let raised = 0n;
    let purchases = 0;
    if (row.address && row.status !== 'deploying') {
      const offering = { address: getAddress(row.address), contract: 'ShareOffering' as const };
      const state = offeringStates[Number(await context.chain.read<number>({ ...offering, functionName: 'state' }))] ?? 'open';
      sold = await context.chain.read<bigint>({ ...offering, functionName: 'sold' });
      raised = await context.chain.read<bigint>({ ...offering, functionName: 'raised' });
      purchases = new Set((await this.repository.purchases(context.chain.chainId, offering.address)).map((purchase) => purchase.investor)).size;
      const now = await this.chainNow(context);
      if (state !== 'open') status = state;
      else if (now < Math.floor(row.opens_at.getTime() / 1000)) status = 'upcoming';
      else if (now >= Math.floor(row.closes_at.getTime() / 1000) || sold >= BigInt(row.hard_cap_shares) * SHARE_UNIT) status = 'awaiting_finalization';
      else status = 'open';
      if ((state === 'succeeded' || state === 'failed') && row.status !== state) await this.repository.updateOffering(row.id, { status: state, updated_at: this.deps.clock.now() });
    }
    return {
      id: row.id,
      tokenizedPropertyId: row.token_property_id,
      address: row.address,
      pricePerShare: { amountMinor: Number(row.price_minor), currency: 'USD' },
      softCapShares: Number(row.soft_cap_shares),
      hardCapShares: Number(row.hard_cap_shares),
      opensAt: row.opens_at.toISOString(),
      closesAt: row.closes_at.toISOString(),
      status,
      soldShares: Number(sold / SHARE_UNIT),
      raised: { amountMinor: toMinor(raised, decimals), currency: 'USD' },
      purchases,
    };
  }

  /**
   * Finalizes after the deadline (or a sold-out hard cap), then settles what the platform can:
   * delivers every purchaser's shares on success (anyone may call claimShares; the shares always
   * go to the investor), pays the proceeds to the operator and returns unsold inventory; on
   * failure refunds custodial buyers (own wallets pull theirs through /settle).
   */
  async finalizeOffering(auth: AuthContext | null, id: string): Promise<OfferingView> {
    const { offering, property } = await this.requireOffering(id);
    await this.deps.access.require(auth, property.organization_id, 'admin', 'listings:write', () => tokenizationErrors.OFFERING_NOT_FOUND(`No offering ${id} of an organization you administer.`));
    const context = await this.deps.bootstrap.get();
    const view = await this.offeringView(context, offering);
    if (view.status === 'deploying') throw tokenizationErrors.OFFERING_NOT_FOUND(`Offering ${id} is still being deployed.`);
    if (view.status === 'open' || view.status === 'upcoming') throw tokenizationErrors.OFFERING_STILL_OPEN(`Offering ${id} closes at ${view.closesAt} and has not sold out; finalize it after that.`);
    return this.serialised(`offering:${id}`, async () => {
      const address = getAddress(offering.address!);
      const contract = { address, contract: 'ShareOffering' as const };
      const op = { address: context.operator.address, signer: context.operator };
      try {
        if (view.status === 'awaiting_finalization') await perform(context, op, [{ call: { ...contract, functionName: 'finalize' }, description: 'finalize the offering' }]);
        const state = offeringStates[Number(await context.chain.read<number>({ ...contract, functionName: 'state' }))];
        await context.indexer.catchUp();
        const investors = [...new Set((await this.repository.purchases(context.chain.chainId, address)).map((purchase) => purchase.investor))];
        const steps: Step[] = [];
        if (state === 'succeeded') {
          for (const investor of investors) {
            const [pending] = await context.chain.read<readonly [bigint, bigint]>({ ...contract, functionName: 'purchaseOf', args: [investor] });
            if (pending > 0n) steps.push({ call: { ...contract, functionName: 'claimShares', args: [investor] }, description: `deliver shares to ${investor}` });
          }
          if (!(await context.chain.read<boolean>({ ...contract, functionName: 'proceedsWithdrawn' }))) steps.push({ call: { ...contract, functionName: 'withdrawProceeds' }, description: 'pay the proceeds to the beneficiary' });
        } else {
          for (const investor of investors) await this.refundCustodial(context, contract, investor);
        }
        for (const step of steps) {
          // One investor's changed situation (say, an expired KYC) must not block the others' delivery.
          await perform(context, op, [step]).catch((error: unknown) => this.deps.logger.warn({ err: error, step: step.description }, 'offering settlement step failed; /settle retries it'));
        }
        const inventory = await context.chain.read<bigint>({ address: getAddress(property.shares_address!), contract: 'PropertyShares', functionName: 'balanceOf', args: [address] });
        const undelivered = await context.chain.read<bigint>({ ...contract, functionName: 'undelivered' });
        if (inventory > undelivered) await perform(context, op, [{ call: { ...contract, functionName: 'releaseUnsold' }, description: 'return unsold shares' }]);
      } catch (error) {
        throw toAppError(error, 'finalize the offering');
      }
      return this.offeringView(context, (await this.repository.findOffering(id))!);
    });
  }

  private async refundCustodial(context: ChainContext, contract: { address: Address; contract: 'ShareOffering' }, investor: string): Promise<void> {
    const userId = await this.deps.investors.userOfWallet(investor);
    if (!userId) return;
    const actor = await this.deps.investors.actingWallet(userId, investor);
    if (!actor.signer) return;
    const [, paid] = await context.chain.read<readonly [bigint, bigint]>({ ...contract, functionName: 'purchaseOf', args: [investor] });
    if (paid > 0n) await perform(context, actor, [{ call: { ...contract, functionName: 'claimRefund' }, description: 'refund the purchase' }]);
  }

  /** An investor's own settlement: shares after a success (delivered by the operator), a refund after a failure. */
  async settleOffering(auth: AuthContext | null, id: string, wallet: string | undefined): Promise<ActionResult> {
    const userId = requireUser(auth);
    const { offering } = await this.requireOffering(id);
    const context = await this.deps.bootstrap.get();
    const view = await this.offeringView(context, offering);
    const actor = await this.deps.investors.actingWallet(userId, wallet);
    const contract = { address: getAddress(offering.address ?? '0x0000000000000000000000000000000000000000'), contract: 'ShareOffering' as const };
    if (view.status !== 'succeeded' && view.status !== 'failed') throw tokenizationErrors.OFFERING_STILL_OPEN(`Offering ${id} is ${view.status}; settle after it is finalized.`);
    const [pending, paid] = await context.chain.read<readonly [bigint, bigint]>({ ...contract, functionName: 'purchaseOf', args: [actor.address] });
    try {
      if (view.status === 'succeeded') {
        if (pending === 0n) throw tokenizationErrors.OFFERING_NOTHING_TO_SETTLE(`No undelivered shares for ${actor.address} in offering ${id}.`);
        const call = { ...contract, functionName: 'claimShares', args: [actor.address] };
        await context.chain.simulate(context.operator.address, call);
        return await perform(context, { address: context.operator.address, signer: context.operator }, [{ call, description: 'deliver your shares' }]);
      }
      if (paid === 0n) throw tokenizationErrors.OFFERING_NOTHING_TO_SETTLE(`Nothing to refund to ${actor.address} in offering ${id}.`);
      const call = { ...contract, functionName: 'claimRefund' };
      await context.chain.simulate(actor.address, call);
      return await perform(context, actor, [{ call, description: 'refund your purchase' }]);
    } catch (error) {
      throw toAppError(error, 'settle the offering');
    }
  }
}
