import { sql } from 'kysely';
import { getAddress, keccak256, toHex, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem } from '../../../../test/support/api-client';
import { createTestDomus, type TestDomus } from '../../../../test/support/harness';
import { toAppError } from '../tokenization.actions';
import type { ChainContext } from '../tokenization.context';
import { investor, issuerWithListing, tokenize, type Investor } from '../tokenization.test-support';
import { ChainRevert } from './chain.service';

const SHARE = 10n ** 18n;

/** The chain service and the indexer on the in-process chain: nonces, reverts, re-organisations. */
describe('chain service and indexer', { timeout: 120_000 }, () => {
  let domus: TestDomus;
  let context: ChainContext;
  let shares: Address;
  let alice: Investor;
  let bob: Investor;

  beforeAll(async () => {
    domus = await createTestDomus();
    const issuer = await issuerWithListing(domus);
    shares = getAddress((await tokenize(domus, issuer)).contracts.shares as string);
    alice = await investor(domus, 'Alice', 0);
    bob = await investor(domus, 'Bob', 0);
    context = await domus.modules.tokenization.chain.get();
  }, 240_000);
  afterAll(async () => domus?.close());

  const mint = (to: string, whole: bigint) => context.chain.write(context.operator, { address: shares, contract: 'PropertyShares', functionName: 'mint', args: [to, whole * SHARE] });
  const holding = async (holder: string) => {
    const result = await sql<{ balance: string }>`SELECT balance::text AS balance FROM token_holdings WHERE token = ${shares} AND holder = ${holder}`.execute(domus.platform.db);
    return BigInt(result.rows[0]?.balance ?? '0') / SHARE;
  };
  const transfersTo = async (holder: string) =>
    Number((await sql<{ count: string }>`SELECT COUNT(*)::text AS count FROM token_transfers WHERE token = ${shares} AND to_address = ${holder}`.execute(domus.platform.db)).rows[0]!.count);

  it('gives concurrent sends from one account distinct nonces', async () => {
    const nonceBefore = await context.chain.publicClient.getTransactionCount({ address: context.operator.address });
    const receipts = await Promise.all([1n, 2n, 3n, 4n, 5n].map((amount) => mint(alice.wallet, amount)));
    expect(receipts.every((receipt) => receipt.status === 'success')).toBe(true);
    expect(await context.chain.publicClient.getTransactionCount({ address: context.operator.address })).toBe(nonceBefore + 5);
    await context.indexer.catchUp();
    expect(await holding(alice.wallet)).toBe(15n);
  });

  it('resynchronises when the nonce moved outside the service', async () => {
    await mint(bob.wallet, 1n); // the operator lane now caches its next nonce
    const nonce = await context.chain.publicClient.getTransactionCount({ address: context.operator.address });
    // Someone else with the same key (another replica, an operator's console) takes that nonce.
    const signed = await context.operator.signTransaction({ type: 'eip1559', chainId: context.chain.chainId, nonce, to: context.operator.address, value: 0n, gas: 21_000n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
    await context.chain.publicClient.sendRawTransaction({ serializedTransaction: signed });
    const receipt = await mint(bob.wallet, 1n);
    expect(receipt.status).toBe('success');
    expect(await context.chain.publicClient.getTransactionCount({ address: context.operator.address })).toBe(nonce + 2);
  });

  it('decodes a transaction that was mined and reverted into the custom error, as a 502', async () => {
    const deedId = 999_001n;
    const issue = () => context.chain.write(context.operator, { address: context.contracts.deed, contract: 'PropertyDeed', functionName: 'issueDeed', args: [shares, deedId, `0x${'ab'.repeat(32)}`] });
    // Both pass their estimate against the same state; the second is mined after the first and reverts.
    const results = await Promise.allSettled([issue(), issue()]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const failure = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(failure.reason).toBeInstanceOf(ChainRevert);
    const revert = failure.reason as ChainRevert;
    expect(revert.revert.errorName).toBe('ERC721InvalidSender');
    expect(revert.phase).toBe('mined');
    expect(revert.transactionHash).toMatch(/^0x/);
    expect(toAppError(revert, 'issue the deed')).toMatchObject({ status: 502, code: 'CHAIN_TRANSACTION_REVERTED' });
  });

  it('mirrors KYC idempotently and retries a failed mirror with back-off', async () => {
    const registrar = keccak256(toHex('REGISTRAR_ROLE'));
    const registry = { address: context.contracts.registry, contract: 'IdentityRegistry' as const };
    await context.chain.write(context.operator, { ...registry, functionName: 'revokeRole', args: [registrar, context.operator.address] });
    const dave = await investor(domus, 'Dave', 0); // KYC approved; the registry refuses the operator now
    const wallets = () => call(domus, dave.caller, 'GET', '/tokenization/wallets').then((response) => response.json().items as { identityOnChain: string; identityError: string | null }[]);
    expect((await wallets())[0]).toMatchObject({ identityOnChain: 'pending' });
    expect((await wallets())[0]!.identityError).toContain('AccessControlUnauthorizedAccount');

    await context.chain.write(context.operator, { ...registry, functionName: 'grantRole', args: [registrar, context.operator.address] });
    expect(await domus.modules.tokenization.investors.syncIdentities()).toBe(0); // not due yet: backing off
    expect((await wallets())[0]).toMatchObject({ identityOnChain: 'pending' });
    domus.clock.advance(10 * 60_000);
    expect(await domus.modules.tokenization.investors.syncIdentities()).toBe(0);
    expect((await wallets())[0]).toMatchObject({ identityOnChain: 'synced', identityError: null });
    const [country] = await context.chain.read<readonly [number, bigint]>({ ...registry, functionName: 'identityOf', args: [dave.wallet] });
    expect(Number(country)).toBe(276);

    // Submitting the same decision again changes nothing on chain: the mirror compares before sending.
    const head = await context.chain.publicClient.getBlockNumber({ cacheTime: 0 });
    const again = await call(domus, dave.caller, 'POST', '/tokenization/kyc', { fullName: 'Dave Investor', dateOfBirth: '1985-04-12', country: 276 });
    expect(again.statusCode, again.body).toBe(200);
    await domus.modules.tokenization.investors.queueMirror(dave.user.id);
    // A new decision has a new expiry, so exactly one setIdentity; the repeat of the mirror sends nothing.
    const after = await context.chain.publicClient.getBlockNumber({ cacheTime: 0 });
    expect(after - head).toBe(1n);
  });

  it('rolls back to the fork point when a parent hash no longer matches, and re-indexes the new branch', async () => {
    const chain = context.chain.inProcess!;
    await context.indexer.catchUp();
    const aliceBefore = await holding(alice.wallet);
    const bobBefore = await holding(bob.wallet);
    const snapshot = await chain.snapshot();
    const forkHeight = await context.chain.publicClient.getBlockNumber({ cacheTime: 0 });
    await mint(alice.wallet, 7n);
    await mint(alice.wallet, 7n);
    await context.indexer.catchUp();
    expect(await holding(alice.wallet)).toBe(aliceBefore + 14n);

    // Another branch from the snapshot, longer than the first: same heights, different blocks.
    await chain.revert(snapshot);
    await mint(bob.wallet, 3n);
    await mint(bob.wallet, 3n);
    await mint(bob.wallet, 3n);
    const rounds = await context.indexer.catchUp();
    const reorg = rounds.find((round) => round.reorg)?.reorg;
    expect(reorg).toBeDefined();
    expect(reorg!.forkPoint).toBeLessThanOrEqual(forkHeight);
    expect(reorg!.removedEvents).toBeGreaterThanOrEqual(2);
    expect(await holding(alice.wallet)).toBe(aliceBefore);
    expect(await holding(bob.wallet)).toBe(bobBefore + 9n);
    const cursor = (await context.indexer.cursor())!;
    expect(cursor.hash).toBe((await context.chain.publicClient.getBlock()).hash);
  });

  it('rolls back when the chain became shorter than the indexed cursor', async () => {
    const chain = context.chain.inProcess!;
    const before = await transfersTo(alice.wallet);
    const snapshot = await chain.snapshot();
    await mint(alice.wallet, 2n);
    await context.indexer.catchUp();
    expect(await transfersTo(alice.wallet)).toBe(before + 1);
    await chain.revert(snapshot);
    const rounds = await context.indexer.catchUp();
    expect(rounds.some((round) => round.reorg)).toBe(true);
    expect(await transfersTo(alice.wallet)).toBe(before);
  });
});

describe('an unreachable JSON-RPC endpoint', { timeout: 120_000 }, () => {
  let domus: TestDomus;
  beforeAll(async () => {
    const key = `0x${'11'.repeat(32)}`;
    domus = await createTestDomus({ config: { CHAIN_RPC_URL: 'http://127.0.0.1:9', CHAIN_SIGNER_KEY: key } });
    expect(privateKeyToAccount(key as `0x${string}`).address).toMatch(/^0x/);
  });
  afterAll(async () => domus?.close());

  it('answers 503 problem+json and records nothing', async () => {
    expectProblem(await call(domus, { headers: {} }, 'GET', '/tokenization/chain'), 503, 'CHAIN_UNAVAILABLE');
    const user = await investor(domus, 'Offline', 0, { kyc: false }).catch(() => null);
    expect(user).toBeNull(); // even creating a custodial wallet needs the chain: 503
    const { signUp } = await import('../../../../test/support/harness');
    const person = await signUp(domus, 'Offline Investor');
    const response = await call(domus, { headers: { cookie: person.cookie } }, 'POST', '/tokenization/kyc', { fullName: 'Offline Investor', dateOfBirth: '1980-01-01', country: 276 });
    expectProblem(response, 503, 'CHAIN_UNAVAILABLE');
    expect(response.body).not.toContain('11111111111111111111');
    const kyc = await call(domus, { headers: { cookie: person.cookie } }, 'GET', '/tokenization/kyc');
    expect(kyc.json()).toMatchObject({ status: 'none' });
  });
});
