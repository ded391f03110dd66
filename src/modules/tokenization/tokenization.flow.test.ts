import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem } from '../../../test/support/api-client';
import { createTestDomus, type TestDomus } from '../../../test/support/harness';
import { confirm, investor, issuerWithListing, openOffering, tokenize, type Investor, type Issuer } from './tokenization.test-support';

/**
 * The whole platform flow on the in-process chain, through the API: tokenize → KYC → offering →
 * buy → finalize → rent deposit → claim → secondary order fill, with the 4xx pre-checks on the way.
 * One Domus (and one chain) for the file; the steps build on each other in order.
 */
describe('tokenization flow (in-process chain)', () => {
  let domus: TestDomus;
  let issuer: Issuer;
  let alice: Investor;
  let bob: Investor;
  let propertyId: string;
  let offeringId: string;
  const day = 86_400_000;

  beforeAll(async () => {
    domus = await createTestDomus();
    issuer = await issuerWithListing(domus);
  }, 240_000);
  afterAll(async () => domus?.close());

  const portfolio = async (who: Investor) => {
    const response = await call(domus, who.caller, 'GET', '/tokenization/portfolio');
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as {
      positions: { tokenizedPropertyId: string; shares: number; pendingShares: number; eligibleShares: number; claimableRent: { amountMinor: number }; claimedRent: { amountMinor: number }; earnsRentFrom: string | null }[];
      wallets: { address: string; identityOnChain: string; stablecoinBalance: { amountMinor: number } }[];
      history: { event: string }[];
      kyc: { status: string };
    };
  };
  const headBlock = async () => BigInt((await call(domus, issuer.caller, 'GET', '/tokenization/chain')).json().indexer.headBlock as string);

  it('tokenizes a listed property for the organization admin only', async () => {
    const stranger = await investor(domus, 'Stranger', 0, { kyc: false });
    const refused = await call(domus, stranger.caller, 'POST', '/tokenization/properties', { listingId: issuer.listingId });
    expectProblem(refused, 404, 'TOKENIZATION_LISTING_NOT_FOUND');

    const property = await tokenize(domus, issuer);
    expect(property.status).toBe('active');
    for (const key of ['shares', 'distributor', 'market', 'deed', 'registry', 'stablecoin']) expect(property.contracts[key]).toMatch(/^0x[0-9a-fA-F]{40}$/);
    propertyId = property.id;

    const again = await call(domus, issuer.caller, 'POST', '/tokenization/properties', { listingId: issuer.listingId });
    expectProblem(again, 409, 'PROPERTY_ALREADY_TOKENIZED');
    const chain = (await call(domus, issuer.caller, 'GET', '/tokenization/chain')).json();
    expect(chain).toMatchObject({ kind: 'in-process', stablecoin: { sandbox: true, decimals: 6 } });
  }, 240_000);

  it('verifies investors with the sandbox KYC provider and mirrors them into the identity registry', async () => {
    alice = await investor(domus, 'Alice', 10_000);
    bob = await investor(domus, 'Bob', 10_000);
    const wallets = await portfolio(alice);
    expect(wallets.kyc.status).toBe('approved');
    expect(wallets.wallets[0]).toMatchObject({ identityOnChain: 'synced', stablecoinBalance: { amountMinor: 1_000_000 } });
    const context = await domus.modules.tokenization.chain.get();
    const [country] = await context.chain.read<readonly [number, bigint]>({ address: context.contracts.registry, contract: 'IdentityRegistry', functionName: 'identityOf', args: [alice.wallet] });
    expect(Number(country)).toBe(276);

    const rejected = await call(domus, alice.caller, 'POST', '/tokenization/kyc', { fullName: 'Please Reject Me', dateOfBirth: '1985-04-12', country: 276 });
    expectProblem(rejected, 422, 'KYC_REJECTED');
    // The rejection is mirrored too: the registry forgets the wallet.
    const [after] = await context.chain.read<readonly [number, bigint]>({ address: context.contracts.registry, contract: 'IdentityRegistry', functionName: 'identityOf', args: [alice.wallet] });
    expect(Number(after)).toBe(0);
    const approved = await call(domus, alice.caller, 'POST', '/tokenization/kyc', { fullName: 'Alice Investor', dateOfBirth: '1985-04-12', country: 276 });
    expect(approved.statusCode, approved.body).toBe(200);
    const [restored] = await context.chain.read<readonly [number, bigint]>({ address: context.contracts.registry, contract: 'IdentityRegistry', functionName: 'identityOf', args: [alice.wallet] });
    expect(Number(restored)).toBe(276);
  }, 240_000);

  it('runs an offering: purchases pre-checked, finalize after the deadline delivers the shares', async () => {
    const offering = await openOffering(domus, issuer, propertyId);
    offeringId = offering.id;
    expect(offering.status).toBe('open');

    const unverified = await investor(domus, 'Unverified', 1_000, { kyc: false });
    await confirm(domus, unverified);
    expectProblem(await call(domus, unverified.caller, 'POST', `/tokenization/offerings/${offeringId}/purchases`, { shares: 1 }), 403, 'KYC_REQUIRED');

    await confirm(domus, alice);
    expectProblem(await call(domus, alice.caller, 'POST', `/tokenization/offerings/${offeringId}/purchases`, { shares: 101 }), 409, 'OFFERING_HARD_CAP_EXCEEDED', 'shares');
    const poor = await investor(domus, 'Poor', 10);
    await confirm(domus, poor);
    const before = await headBlock();
    expectProblem(await call(domus, poor.caller, 'POST', `/tokenization/offerings/${offeringId}/purchases`, { shares: 5 }), 409, 'INSUFFICIENT_STABLECOIN');
    expect(await headBlock()).toBe(before); // no doomed purchase was sent

    const bought = await call(domus, alice.caller, 'POST', `/tokenization/offerings/${offeringId}/purchases`, { shares: 30 });
    expect(bought.statusCode, bought.body).toBe(200);
    expect(bought.json()).toMatchObject({ status: 'done' });
    expect((bought.json() as { transactions: unknown[] }).transactions).toHaveLength(2); // approve + buy
    await confirm(domus, bob);
    // A retried purchase (same Idempotency-Key) is answered from the first; nothing is bought twice.
    const key = { 'idempotency-key': 'bob-purchase-0001' };
    const first = await call(domus, bob.caller, 'POST', `/tokenization/offerings/${offeringId}/purchases`, { shares: 20 }, key);
    expect(first.statusCode, first.body).toBe(200);
    const retry = await call(domus, bob.caller, 'POST', `/tokenization/offerings/${offeringId}/purchases`, { shares: 20 }, key);
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    expectProblem(await call(domus, bob.caller, 'POST', `/tokenization/offerings/${offeringId}/purchases`, { shares: 21 }, key), 422, 'IDEMPOTENCY_KEY_REUSED');

    const status = (await call(domus, alice.caller, 'GET', `/tokenization/offerings/${offeringId}`)).json();
    expect(status).toMatchObject({ status: 'open', soldShares: 50, raised: { amountMinor: 500_000 }, purchases: 2 });

    await confirm(domus, issuer);
    expectProblem(await call(domus, issuer.caller, 'POST', `/tokenization/offerings/${offeringId}/finalize`), 409, 'OFFERING_STILL_OPEN');
    domus.clock.advance(8 * day);
    await confirm(domus, issuer);
    const finalized = await call(domus, issuer.caller, 'POST', `/tokenization/offerings/${offeringId}/finalize`);
    expect(finalized.statusCode, finalized.body).toBe(200);
    expect(finalized.json()).toMatchObject({ status: 'succeeded', soldShares: 50 });

    const held = await portfolio(alice);
    expect(held.positions).toEqual([expect.objectContaining({ tokenizedPropertyId: propertyId, shares: 30, pendingShares: 30, eligibleShares: 0 })]);
    expect(held.positions[0]!.earnsRentFrom).not.toBeNull();
    expect(held.history.map((item) => item.event)).toEqual(expect.arrayContaining(['SharesPurchased', 'Transfer']));
  }, 240_000);

  it('deposits rent after the record date and lets holders claim their pro-rata share', async () => {
    await confirm(domus, issuer);
    const early = await call(domus, issuer.caller, 'POST', `/tokenization/properties/${propertyId}/rent-deposits`, { amount: { amountMinor: 50_000, currency: 'USD' } });
    expectProblem(early, 409, 'RENT_NOT_DEPOSITABLE');

    domus.clock.advance(day + 1_000);
    await confirm(domus, issuer);
    const deposit = await call(domus, issuer.caller, 'POST', `/tokenization/properties/${propertyId}/rent-deposits`, { amount: { amountMinor: 50_000, currency: 'USD' } });
    expect(deposit.statusCode, deposit.body).toBe(200);

    const held = await portfolio(alice);
    // 500 USD over the 50 investor shares (the operator's unsold 50 are a system account): 30 → 300 USD,
    // less one 6-decimal unit of magnified-dividend dust (299.999999), shown floored to cents.
    expect(held.positions[0]).toMatchObject({ eligibleShares: 30, pendingShares: 0, claimableRent: { amountMinor: 29_999 } });

    await confirm(domus, alice);
    const claimed = await call(domus, alice.caller, 'POST', `/tokenization/properties/${propertyId}/claims`, {});
    expect(claimed.statusCode, claimed.body).toBe(200);
    const after = await portfolio(alice);
    expect(after.positions[0]).toMatchObject({ claimableRent: { amountMinor: 0 }, claimedRent: { amountMinor: 29_999 } });
    expect(after.wallets[0]!.stablecoinBalance.amountMinor).toBe(1_000_000 - 300_000 + 29_999);
    expectProblem(await call(domus, alice.caller, 'POST', `/tokenization/properties/${propertyId}/claims`, {}), 409, 'NOTHING_TO_CLAIM');

    const property = (await call(domus, alice.caller, 'GET', `/tokenization/properties/${propertyId}`)).json();
    expect(property).toMatchObject({ holders: 2, rent: { deposited: { amountMinor: 50_000 }, claimed: { amountMinor: 29_999 }, deposits: 1 } });
  }, 240_000);

  it('trades on the secondary market: place, partial fill, compliance pre-check, cancel', async () => {
    await confirm(domus, alice);
    const placed = await call(domus, alice.caller, 'POST', `/tokenization/properties/${propertyId}/orders`, { side: 'sell', shares: 10, pricePerShare: { amountMinor: 12_000, currency: 'USD' } });
    expect(placed.statusCode, placed.body).toBe(200);
    const book = (await call(domus, bob.caller, 'GET', `/tokenization/properties/${propertyId}/orders`)).json() as { orders: { orderId: number; side: string; remainingShares: number; mine: boolean }[] };
    expect(book.orders).toEqual([expect.objectContaining({ side: 'sell', remainingShares: 10, mine: false })]);
    const orderId = book.orders[0]!.orderId;

    await confirm(domus, bob);
    const filled = await call(domus, bob.caller, 'POST', `/tokenization/properties/${propertyId}/orders/${orderId}/fill`, { shares: 4 });
    expect(filled.statusCode, filled.body).toBe(200);
    expect((await portfolio(bob)).positions[0]).toMatchObject({ shares: 24 });
    expect((await portfolio(alice)).positions[0]).toMatchObject({ shares: 26 });

    // A compliance rule the API checks with canFill before sending anything: the holder cap.
    const context = await domus.modules.tokenization.chain.get();
    const shares = (await call(domus, alice.caller, 'GET', `/tokenization/properties/${propertyId}`)).json().contracts.shares as `0x${string}`;
    await context.chain.write(context.operator, { address: shares, contract: 'PropertyShares', functionName: 'setMaxHolders', args: [2n] });
    const carol = await investor(domus, 'Carol', 5_000);
    await confirm(domus, carol);
    const before = await headBlock();
    const blocked = await call(domus, carol.caller, 'POST', `/tokenization/properties/${propertyId}/orders/${orderId}/fill`, { shares: 1 });
    expectProblem(blocked, 422, 'COMPLIANCE_RULE_FAILED');
    expect(blocked.json()).toMatchObject({ rule: 'MaxHoldersReached', ruleCode: 11 });
    expect(await headBlock()).toBe(before);

    const cancelled = await call(domus, alice.caller, 'POST', `/tokenization/properties/${propertyId}/orders/${orderId}/cancel`, {});
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const all = (await call(domus, alice.caller, 'GET', `/tokenization/properties/${propertyId}/orders?status=all`)).json() as { orders: { status: string; remainingShares: number; mine: boolean }[] };
    expect(all.orders).toEqual([expect.objectContaining({ status: 'cancelled', remainingShares: 6, mine: true })]);
    expectProblem(await call(domus, bob.caller, 'POST', `/tokenization/properties/${propertyId}/orders/${orderId}/fill`, { shares: 1 }), 404, 'ORDER_NOT_FOUND');
  }, 240_000);
  it('lets an investor act with their own wallet: unsigned transactions, signed and relayed', async () => {
    const context = await domus.modules.tokenization.chain.get();
    const shares = (await call(domus, alice.caller, 'GET', `/tokenization/properties/${propertyId}`)).json().contracts.shares as `0x${string}`;
    await context.chain.write(context.operator, { address: shares, contract: 'PropertyShares', functionName: 'setMaxHolders', args: [0n] });
    const erin = await investor(domus, 'Erin', 0);
    const own = privateKeyToAccount(generatePrivateKey());
    const { message } = (await call(domus, erin.caller, 'GET', `/tokenization/wallets/link-message?address=${own.address}`)).json() as { message: string };
    const stranger = privateKeyToAccount(generatePrivateKey());
    expectProblem(await call(domus, erin.caller, 'POST', '/tokenization/wallets', { address: own.address, signature: await stranger.signMessage({ message }) }), 422, 'WALLET_SIGNATURE_INVALID');
    const linked = await call(domus, erin.caller, 'POST', '/tokenization/wallets', { address: own.address, signature: await own.signMessage({ message }) });
    expect(linked.statusCode, linked.body).toBe(200);
    expect(linked.json()).toMatchObject({ custodial: false, identityOnChain: 'synced' }); // Erin's KYC covers the new wallet
    expect((await call(domus, erin.caller, 'POST', `/tokenization/wallets/${own.address}/sandbox-funds`, { amount: { amountMinor: 100_000, currency: 'USD' } })).statusCode).toBe(200);

    await confirm(domus, alice);
    expect((await call(domus, alice.caller, 'POST', `/tokenization/properties/${propertyId}/orders`, { side: 'sell', shares: 2, pricePerShare: { amountMinor: 11_000, currency: 'USD' } })).statusCode).toBe(200);
    const order = ((await call(domus, erin.caller, 'GET', `/tokenization/properties/${propertyId}/orders`)).json() as { orders: { orderId: number }[] }).orders[0]!;
    await confirm(domus, erin);
    const prepared = await call(domus, erin.caller, 'POST', `/tokenization/properties/${propertyId}/orders/${order.orderId}/fill`, { shares: 2, wallet: own.address });
    expect(prepared.statusCode, prepared.body).toBe(200);
    type Unsigned = { to: `0x${string}`; data: `0x${string}`; chainId: number; from: string; type: string; nonce: number; gas: string; maxFeePerGas: string; maxPriorityFeePerGas: string };
    const { status, unsignedTransactions } = prepared.json() as { status: string; unsignedTransactions: Unsigned[] };
    expect(status).toBe('sign');
    expect(unsignedTransactions.map((tx) => tx.from)).toEqual([own.address, own.address]); // approve the payment, then fill
    // Fully specified, so a wallet that cannot reach the in-process chain signs them as they are:
    // consecutive nonces from the account's count, an estimated gas for the approve, a ceiling for
    // the fill (it spends the allowance the approve grants, so it cannot be estimated before).
    expect(unsignedTransactions.map((tx) => [tx.type, tx.nonce])).toEqual([['eip1559', 0], ['eip1559', 1]]);
    expect(Number(unsignedTransactions[0]!.gas)).toBeGreaterThan(21_000);
    expect(Number(unsignedTransactions[0]!.gas)).toBeLessThan(100_000);
    expect(unsignedTransactions[1]!.gas).toBe('400000');

    const unlinked = await stranger.signTransaction({ type: 'eip1559', chainId: context.chain.chainId, nonce: 0, to: unsignedTransactions[0]!.to, data: unsignedTransactions[0]!.data, gas: 300_000n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
    expectProblem(await call(domus, erin.caller, 'POST', '/tokenization/transactions', { signedTransaction: unlinked }), 400, 'TRANSACTION_INVALID');
    for (const tx of unsignedTransactions) {
      const signed = await own.signTransaction({ type: 'eip1559', chainId: tx.chainId, nonce: tx.nonce, to: tx.to, data: tx.data, gas: BigInt(tx.gas), maxFeePerGas: BigInt(tx.maxFeePerGas), maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas) });
      const relayed = await call(domus, erin.caller, 'POST', '/tokenization/transactions', { signedTransaction: signed });
      expect(relayed.statusCode, relayed.body).toBe(200);
    }
    const held = await portfolio(erin);
    expect(held.positions).toEqual([expect.objectContaining({ wallet: own.address, shares: 2 })]);
    expect(held.wallets.find((wallet) => wallet.address === own.address)!.stablecoinBalance.amountMinor).toBe(100_000 - 22_000);
  }, 240_000);
});
