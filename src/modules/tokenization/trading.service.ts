import { getAddress, parseTransaction, recoverTransactionAddress, type Address, type Hex, type TransactionSerialized } from 'viem';
import { platformErrors } from '../../platform/errors';
import type { AuthContext } from '../../platform/http';
import { hashPayload } from '../../platform/idempotency';
import { requireUser } from '../identity';
import { chainFailure } from './chain/chain.service';
import { fromMinor, toMinor } from './investors.service';
import { perform, requireAllowed, toAppError, type Step } from './tokenization.actions';
import { SHARE_UNIT, type ChainContext } from './tokenization.context';
import { tokenizationErrors } from './tokenization.errors';
import type { ActionResult, PortfolioView } from './tokenization.schema';
import type { TokenizationService } from './tokenization.service';

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * Investor-side flows: buying in an offering, rent deposits and claims, the portfolio, the
 * secondary order book and relaying transactions signed by the investor's own wallet. Every
 * action runs the contracts' own pre-checks first (`canTransfer`, `canFill`, balances, the
 * offering window) and answers a 4xx naming the rule instead of sending a doomed transaction.
 */
export class TradingService {
  constructor(private readonly tokenization: TokenizationService) {}

  private get deps() {
    return this.tokenization.deps;
  }

  private context(): Promise<ChainContext> {
    return this.deps.bootstrap.get();
  }

  private async guard<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toAppError(chainFailure(error, action), action);
    }
  }

  /**
   * Runs a money action at most once per Idempotency-Key (scope: the action and the caller): the
   * key is claimed before any transaction is sent, the answer stored after they are mined; a retry
   * gets the stored answer, a concurrent duplicate 409, a failure frees the key for a retry.
   */
  async idempotent(scope: string, key: string | undefined, payload: unknown, work: () => Promise<ActionResult>): Promise<{ result: ActionResult; replayed: boolean }> {
    if (key === undefined) return { result: await work(), replayed: false };
    const repository = this.deps.repository;
    const requestHash = hashPayload(payload);
    if (!(await repository.claimAction(scope, key, requestHash, this.deps.clock.now()))) {
      const existing = await repository.findAction(scope, key);
      if (existing && existing.request_hash !== requestHash) throw platformErrors.IDEMPOTENCY_KEY_REUSED('This Idempotency-Key was used with a different request; use a new key.');
      if (existing?.state === 'done') return { result: existing.response as ActionResult, replayed: true };
      throw platformErrors.CONFLICT('A request with this Idempotency-Key is still being processed; retry shortly.');
    }
    try {
      const result = await work();
      await repository.completeAction(scope, key, result);
      return { result, replayed: false };
    } catch (error) {
      await repository.releaseAction(scope, key);
      throw error;
    }
  }

  async purchase(auth: AuthContext | null, offeringId: string, input: { shares: number; wallet?: string }): Promise<ActionResult> {
    const userId = requireUser(auth);
    const { offering } = await this.tokenization.requireOffering(offeringId);
    const context = await this.context();
    const view = await this.tokenization.offeringView(context, offering);
    if (view.status !== 'open') throw tokenizationErrors.OFFERING_NOT_OPEN(`Offering ${offeringId} is ${view.status}; purchases are possible between ${view.opensAt} and ${view.closesAt}.`);
    const actor = await this.deps.investors.actingWallet(userId, input.wallet);
    await this.deps.investors.requireVerified(userId, actor.address);
    return this.guard('buy shares', async () => {
      const address = getAddress(offering.address!);
      const contract = { address, contract: 'ShareOffering' as const };
      const amount = BigInt(input.shares) * SHARE_UNIT;
      const left = BigInt(view.hardCapShares - view.soldShares) * SHARE_UNIT;
      if (amount > left) throw tokenizationErrors.OFFERING_HARD_CAP_EXCEEDED(`Only ${view.hardCapShares - view.soldShares} shares are left in offering ${offeringId}.`, [{ path: 'shares', message: `at most ${view.hardCapShares - view.soldShares}` }]);
      const [alreadyBought] = await context.chain.read<readonly [bigint, bigint]>({ ...contract, functionName: 'purchaseOf', args: [actor.address] });
      const property = await this.tokenization.requireProperty(offering.token_property_id);
      requireAllowed(
        await context.chain.read<readonly [boolean, number]>({ address: getAddress(property.shares_address!), contract: 'PropertyShares', functionName: 'canTransfer', args: [address, actor.address, alreadyBought + amount] }),
        'Cannot buy these shares',
      );
      const cost = await context.chain.read<bigint>({ ...contract, functionName: 'costOf', args: [amount] });
      const steps = await this.withApproval(context, context.contracts.stablecoin, 'MockStablecoin', actor.address, address, cost, 'approve the offering to take the payment');
      steps.push({ call: { ...contract, functionName: 'buy', args: [amount] }, description: `buy ${input.shares} shares` });
      return perform(context, actor, steps);
    });
  }

  /** An approval step when the allowance is short, after checking the balance covers `amount`. */
  private async withApproval(context: ChainContext, token: Address, name: 'MockStablecoin' | 'PropertyShares', owner: Address, spender: Address, amount: bigint, description: string): Promise<Step[]> {
    const balance = await context.chain.read<bigint>({ address: token, contract: name, functionName: 'balanceOf', args: [owner] });
    if (balance < amount) {
      if (name === 'MockStablecoin') {
        const decimals = context.contracts.stablecoinDecimals;
        throw tokenizationErrors.INSUFFICIENT_STABLECOIN(`Wallet ${owner} holds ${toMinor(balance, decimals) / 100} USD; this needs ${Number(ceilDiv(amount, 10n ** BigInt(decimals - 2))) / 100} USD.`);
      }
      throw tokenizationErrors.COMPLIANCE_RULE_FAILED(`Wallet ${owner} holds ${balance / SHARE_UNIT} whole shares; this needs ${amount / SHARE_UNIT} (rule InsufficientBalance).`, [], { rule: 'InsufficientBalance', ruleCode: 2 });
    }
    const allowance = await context.chain.read<bigint>({ address: token, contract: name, functionName: 'allowance', args: [owner, spender] });
    if (allowance >= amount) return [];
    return [{ call: { address: token, contract: name, functionName: 'approve', args: [spender, amount] }, description }];
  }

  async depositRent(auth: AuthContext | null, propertyId: string, amountMinor: number): Promise<ActionResult> {
    const property = await this.tokenization.requireProperty(propertyId, { active: true });
    await this.deps.access.require(auth, property.organization_id, 'admin', 'listings:write', () => tokenizationErrors.TOKENIZED_PROPERTY_NOT_FOUND(`No tokenized property ${propertyId} of an organization you administer.`));
    const context = await this.context();
    return this.guard('deposit rent', async () => {
      const distributor = { address: getAddress(property.distributor_address!), contract: 'RentDistributor' as const };
      const eligible = await context.chain.read<bigint>({ ...distributor, functionName: 'eligibleSupply' });
      const minimum = await context.chain.read<bigint>({ ...distributor, functionName: 'minEligibleSupply' });
      if (eligible < minimum) {
        const now = await this.tokenization.chainNow(context);
        const next = new Date((Math.floor(now / property.record_period_seconds) + 1) * property.record_period_seconds * 1000);
        throw tokenizationErrors.RENT_NOT_DEPOSITABLE(`No shares of ${property.symbol} are eligible for rent yet: shares delivered in this record period earn from the next record date, ${next.toISOString()}. Deposit after that.`, [], { eligibleFrom: next.toISOString() });
      }
      const units = fromMinor(amountMinor, context.contracts.stablecoinDecimals);
      const operator = { address: context.operator.address, signer: context.operator };
      const steps: Step[] = [];
      if (context.contracts.sandbox) {
        // Sandbox dollars stand for the rent collected off chain; on a real chain the operator wallet must hold the stablecoin.
        steps.push({ call: { address: context.contracts.stablecoin, contract: 'MockStablecoin', functionName: 'mint', args: [context.operator.address, units] }, description: 'mint sandbox dollars for the collected rent' });
      } else {
        const balance = await context.chain.read<bigint>({ address: context.contracts.stablecoin, contract: 'MockStablecoin', functionName: 'balanceOf', args: [context.operator.address] });
        if (balance < units) throw tokenizationErrors.INSUFFICIENT_STABLECOIN(`The operator wallet ${context.operator.address} holds ${toMinor(balance, context.contracts.stablecoinDecimals)} cents of ${context.contracts.stablecoinSymbol}; transfer the collected rent to it first.`);
      }
      steps.push({ call: { address: context.contracts.stablecoin, contract: 'MockStablecoin', functionName: 'approve', args: [distributor.address, units] }, description: 'approve the rent distributor' });
      steps.push({ call: { ...distributor, functionName: 'deposit', args: [units] }, description: `deposit ${amountMinor / 100} USD of rent` });
      return perform(context, operator, steps);
    });
  }

  async claimRent(auth: AuthContext | null, propertyId: string, wallet: string | undefined): Promise<ActionResult> {
    const userId = requireUser(auth);
    const property = await this.tokenization.requireProperty(propertyId, { active: true });
    const context = await this.context();
    const actor = await this.deps.investors.actingWallet(userId, wallet);
    return this.guard('claim rent', async () => {
      const distributor = { address: getAddress(property.distributor_address!), contract: 'RentDistributor' as const };
      const claimable = await context.chain.read<bigint>({ ...distributor, functionName: 'claimableOf', args: [actor.address] });
      if (claimable === 0n) throw tokenizationErrors.NOTHING_TO_CLAIM(`Wallet ${actor.address} has no claimable rent from ${property.symbol}.`);
      const call = { ...distributor, functionName: 'claim' };
      await context.chain.simulate(actor.address, call);
      return perform(context, actor, [{ call, description: `claim ${toMinor(claimable, context.contracts.stablecoinDecimals) / 100} USD of rent` }]);
    });
  }

  async portfolio(auth: AuthContext | null): Promise<PortfolioView> {
    const userId = requireUser(auth);
    const context = await this.context();
    await context.indexer.catchUp().catch(() => undefined);
    const repository = this.deps.repository;
    const walletRows = await repository.walletsOfUser(userId);
    const addresses = walletRows.map((wallet) => wallet.address);
    const decimals = context.contracts.stablecoinDecimals;
    const properties = new Map((await repository.listProperties(context.chain.chainId)).filter((row) => row.shares_address).map((row) => [row.shares_address!, row]));
    const positions: PortfolioView['positions'] = [];
    for (const holding of await repository.holdings(context.chain.chainId, addresses)) {
      const property = properties.get(holding.token);
      if (!property) continue;
      const distributor = { address: getAddress(property.distributor_address!), contract: 'RentDistributor' as const };
      const [eligible, pending] = await context.chain.read<readonly [bigint, bigint]>({ ...distributor, functionName: 'holdingOf', args: [holding.holder] });
      const claimable = await context.chain.read<bigint>({ ...distributor, functionName: 'claimableOf', args: [holding.holder] });
      const claimed = BigInt(await repository.claimedBy(context.chain.chainId, distributor.address, [holding.holder]));
      const now = await this.tokenization.chainNow(context);
      positions.push({
        tokenizedPropertyId: property.id,
        name: property.name,
        symbol: property.symbol,
        wallet: holding.holder,
        shares: Number(BigInt(holding.balance) / SHARE_UNIT),
        eligibleShares: Number(eligible / SHARE_UNIT),
        pendingShares: Number(pending / SHARE_UNIT),
        earnsRentFrom: pending > 0n ? new Date((Math.floor(now / property.record_period_seconds) + 1) * property.record_period_seconds * 1000).toISOString() : null,
        claimableRent: { amountMinor: toMinor(claimable, decimals), currency: 'USD' },
        claimedRent: { amountMinor: toMinor(claimed, decimals), currency: 'USD' },
      });
    }
    const history = (await repository.history(context.chain.chainId, addresses, 100)).map((row) => ({
      event: row.event,
      contract: row.contract,
      kind: row.kind,
      transactionHash: row.tx_hash,
      blockNumber: row.block_number,
      at: new Date(row.block_time).toISOString(),
      details: row.args,
    }));
    return {
      kyc: this.deps.investors.kycView(await repository.findKyc(userId)),
      wallets: await this.deps.investors.walletViews(walletRows),
      positions,
      history,
    };
  }

  // ---- secondary market -----------------------------------------------------------------------

  async orderBook(auth: AuthContext | null, propertyId: string, status: 'open' | 'all') {
    const property = await this.tokenization.requireProperty(propertyId);
    const context = await this.context();
    if (!property.market_address) return { market: null, orders: [] };
    await context.indexer.catchUp().catch(() => undefined);
    const mine = new Set(auth?.userId ? (await this.deps.repository.walletsOfUser(auth.userId)).map((wallet) => wallet.address) : []);
    const rows = await this.deps.repository.orders(context.chain.chainId, property.market_address, status === 'open' ? 'open' : undefined);
    return {
      market: property.market_address,
      orders: rows.map((row) => ({
        orderId: Number(row.order_id),
        side: row.sell ? ('sell' as const) : ('buy' as const),
        maker: row.maker,
        shares: Number(BigInt(row.amount) / SHARE_UNIT),
        remainingShares: Number(BigInt(row.remaining) / SHARE_UNIT),
        pricePerShare: { amountMinor: toMinor(BigInt(row.price), context.contracts.stablecoinDecimals), currency: 'USD' },
        status: row.status as 'open' | 'filled' | 'cancelled',
        mine: mine.has(row.maker),
      })),
    };
  }

  async placeOrder(auth: AuthContext | null, propertyId: string, input: { side: 'sell' | 'buy'; shares: number; pricePerShare: { amountMinor: number }; wallet?: string }): Promise<ActionResult> {
    const userId = requireUser(auth);
    const property = await this.tokenization.requireProperty(propertyId, { active: true });
    const context = await this.context();
    const actor = await this.deps.investors.actingWallet(userId, input.wallet);
    if (input.side === 'buy') await this.deps.investors.requireVerified(userId, actor.address);
    return this.guard('place the order', async () => {
      const market = { address: getAddress(property.market_address!), contract: 'ShareMarket' as const };
      const shares = getAddress(property.shares_address!);
      const amount = BigInt(input.shares) * SHARE_UNIT;
      const price = fromMinor(input.pricePerShare.amountMinor, context.contracts.stablecoinDecimals);
      let steps: Step[];
      if (input.side === 'sell') {
        // Listing runs the sender-side rules (frozen, lock-up, pause); the buyer's are checked at the fill.
        steps = await this.withApproval(context, shares, 'PropertyShares', actor.address, market.address, amount, 'approve the market to deliver the shares');
        await context.chain.simulate(actor.address, { ...market, functionName: 'placeSellOrder', args: [amount, price] });
        steps.push({ call: { ...market, functionName: 'placeSellOrder', args: [amount, price] }, description: `offer ${input.shares} shares` });
      } else {
        const cost = ceilDiv(amount * price, SHARE_UNIT);
        steps = await this.withApproval(context, context.contracts.stablecoin, 'MockStablecoin', actor.address, market.address, cost, 'approve the market to escrow the payment');
        steps.push({ call: { ...market, functionName: 'placeBuyOrder', args: [amount, price] }, description: `bid for ${input.shares} shares` });
      }
      return perform(context, actor, steps);
    });
  }

  async fillOrder(auth: AuthContext | null, propertyId: string, orderId: number, input: { shares: number; wallet?: string }): Promise<ActionResult> {
    const userId = requireUser(auth);
    const property = await this.tokenization.requireProperty(propertyId, { active: true });
    const context = await this.context();
    const actor = await this.deps.investors.actingWallet(userId, input.wallet);
    return this.guard('fill the order', async () => {
      const market = { address: getAddress(property.market_address!), contract: 'ShareMarket' as const };
      const order = await context.chain.read<{ maker: Address; sell: boolean; remaining: bigint; price: bigint }>({ ...market, functionName: 'orderOf', args: [BigInt(orderId)] });
      if (order.maker === '0x0000000000000000000000000000000000000000' || order.remaining === 0n) throw tokenizationErrors.ORDER_NOT_FOUND(`No open order ${orderId} on ${property.symbol}.`);
      if (getAddress(order.maker) === actor.address) throw tokenizationErrors.ORDER_NOT_FILLABLE('You cannot fill your own order; cancel it instead.');
      const amount = BigInt(input.shares) * SHARE_UNIT;
      if (amount > order.remaining) throw tokenizationErrors.ORDER_NOT_FILLABLE(`Order ${orderId} has ${order.remaining / SHARE_UNIT} shares left.`, [{ path: 'shares', message: `at most ${order.remaining / SHARE_UNIT}` }]);
      if (order.sell) await this.deps.investors.requireVerified(userId, actor.address);
      requireAllowed(await context.chain.read<readonly [boolean, number]>({ ...market, functionName: 'canFill', args: [BigInt(orderId), actor.address, amount] }), `Cannot fill order ${orderId}`);
      let steps: Step[];
      if (order.sell) {
        const cost = ceilDiv(amount * order.price, SHARE_UNIT);
        steps = await this.withApproval(context, context.contracts.stablecoin, 'MockStablecoin', actor.address, market.address, cost, 'approve the payment');
        steps.push({ call: { ...market, functionName: 'fillSellOrder', args: [BigInt(orderId), amount] }, description: `buy ${input.shares} shares from order ${orderId}` });
      } else {
        steps = await this.withApproval(context, getAddress(property.shares_address!), 'PropertyShares', actor.address, market.address, amount, 'approve the delivery of the shares');
        steps.push({ call: { ...market, functionName: 'fillBuyOrder', args: [BigInt(orderId), amount] }, description: `sell ${input.shares} shares into order ${orderId}` });
      }
      return perform(context, actor, steps);
    });
  }

  async cancelOrder(auth: AuthContext | null, propertyId: string, orderId: number, wallet: string | undefined): Promise<ActionResult> {
    const userId = requireUser(auth);
    const property = await this.tokenization.requireProperty(propertyId, { active: true });
    const context = await this.context();
    const actor = await this.deps.investors.actingWallet(userId, wallet);
    return this.guard('cancel the order', async () => {
      const market = { address: getAddress(property.market_address!), contract: 'ShareMarket' as const };
      const order = await context.chain.read<{ maker: Address; sell: boolean; remaining: bigint }>({ ...market, functionName: 'orderOf', args: [BigInt(orderId)] });
      if (order.maker === '0x0000000000000000000000000000000000000000' || getAddress(order.maker) !== actor.address || order.remaining === 0n) {
        throw tokenizationErrors.ORDER_NOT_FOUND(`No open order ${orderId} of wallet ${actor.address}.`);
      }
      const steps: Step[] = [{ call: { ...market, functionName: 'cancelOrder', args: [BigInt(orderId)] }, description: `cancel order ${orderId}` }];
      if (!order.sell) steps.push({ call: { ...market, functionName: 'withdrawRefund' }, description: 'withdraw the escrowed payment' });
      return perform(context, actor, steps);
    });
  }

  /**
   * Broadcasts a transaction the investor signed with a linked own wallet. It must be for one of
   * the platform's contracts on this chain; it is simulated first so that a compliance failure
   * is a 4xx and nothing doomed reaches the chain.
   */
  async relay(auth: AuthContext | null, signed: Hex) {
    const userId = requireUser(auth);
    const context = await this.context();
    let transaction: ReturnType<typeof parseTransaction>;
    let signer: Address;
    try {
      transaction = parseTransaction(signed as TransactionSerialized);
      signer = getAddress(await recoverTransactionAddress({ serializedTransaction: signed as TransactionSerialized }));
    } catch (error) {
      throw tokenizationErrors.TRANSACTION_INVALID(`The signed transaction cannot be decoded: ${(error as Error).message.split('\n')[0]}`, [{ path: 'signedTransaction', message: 'not a signed transaction' }]);
    }
    const wallet = await this.deps.repository.findWalletByAddress(signer);
    if (!wallet || wallet.user_id !== userId) throw tokenizationErrors.TRANSACTION_INVALID(`The transaction is signed by ${signer}, which is not one of your linked wallets.`);
    if (transaction.chainId !== context.chain.chainId) throw tokenizationErrors.TRANSACTION_INVALID(`The transaction is for chain ${transaction.chainId}; Domus runs on chain ${context.chain.chainId}.`);
    const to = transaction.to ? getAddress(transaction.to) : null;
    const known = new Set([...(await this.deps.repository.listProperties(context.chain.chainId)).flatMap((row) => [row.shares_address, row.distributor_address, row.market_address]), context.contracts.stablecoin]);
    for (const row of await this.deps.repository.listProperties(context.chain.chainId)) for (const offering of await this.deps.repository.listOfferings(row.id)) known.add(offering.address);
    if (!to || !known.has(to)) throw tokenizationErrors.TRANSACTION_INVALID('The transaction is not addressed to one of the platform contracts.', [{ path: 'signedTransaction', message: 'unknown recipient' }]);
    return this.guard('relay your transaction', async () => {
      try {
        await context.chain.publicClient.call({ account: signer, to, data: transaction.data, value: transaction.value });
      } catch (error) {
        throw chainFailure(error, 'check your transaction');
      }
      const receipt = await context.chain.sendSigned(signed, 'relay your transaction');
      await context.indexer.catchUp().catch(() => undefined);
      return { transaction: { hash: receipt.transactionHash, blockNumber: receipt.blockNumber.toString(), description: 'your signed transaction' } };
    });
  }

  /** Mints sandbox dollars into one of the caller's wallets; only with the sandbox stablecoin. */
  async sandboxFunds(auth: AuthContext | null, address: string, amountMinor: number): Promise<ActionResult> {
    const userId = requireUser(auth);
    const context = await this.context();
    if (!context.contracts.sandbox) throw tokenizationErrors.SANDBOX_ONLY(`The stablecoin ${context.contracts.stablecoinSymbol} at ${context.contracts.stablecoin} is real; buy it from an exchange.`);
    const wallet = await this.deps.repository.findWalletByAddress(getAddress(address));
    if (!wallet || wallet.user_id !== userId) throw tokenizationErrors.WALLET_NOT_FOUND(`${address} is not one of your wallets.`);
    return this.guard('mint sandbox dollars', () =>
      perform(context, { address: context.operator.address, signer: context.operator }, [
        { call: { address: context.contracts.stablecoin, contract: 'MockStablecoin', functionName: 'mint', args: [wallet.address, fromMinor(amountMinor, context.contracts.stablecoinDecimals)] }, description: `mint ${amountMinor / 100} sandbox dollars` },
      ]),
    );
  }

  async chainInfo() {
    const context = await this.context();
    const cursor = await context.indexer.cursor();
    return {
      chainId: context.chain.chainId,
      kind: context.chain.kind,
      operator: context.operator.address,
      contracts: { registry: context.contracts.registry, deed: context.contracts.deed, stablecoin: context.contracts.stablecoin },
      stablecoin: { symbol: context.contracts.stablecoinSymbol, decimals: context.contracts.stablecoinDecimals, sandbox: context.contracts.sandbox },
      indexer: {
        cursorBlock: cursor ? cursor.number.toString() : null,
        headBlock: (await this.guard('read the head block', () => context.chain.publicClient.getBlockNumber({ cacheTime: 0 }))).toString(),
        confirmations: context.indexer.options.confirmations,
      },
    };
  }
}
