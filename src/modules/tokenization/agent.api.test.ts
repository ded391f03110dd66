import { getAddress, type Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem } from '../../../test/support/api-client';
import { createTestDomus, type TestDomus } from '../../../test/support/harness';
import { SHARE_UNIT } from './tokenization.context';
import { confirm, investor, issuerWithListing, openOffering, tokenize, type Investor, type Issuer } from './tokenization.test-support';

/**
 * The compliance agent's actions through the API (ERC-3643 agent role, held by the operator and
 * exercised by the issuing organization's admins): freeze a wallet or part of its shares, pause,
 * forced transfer and wallet recovery — each checked on chain, refused with a 4xx naming why when
 * it cannot apply, and audited with the admin's reason.
 */
describe('compliance agent (in-process chain)', () => {
  let domus: TestDomus;
  let issuer: Issuer;
  let alice: Investor;
  let bob: Investor;
  let propertyId: string;
  let shares: Address;
  const reason = 'AML hold requested by compliance, case 2026-114';

  beforeAll(async () => {
    domus = await createTestDomus();
    issuer = await issuerWithListing(domus);
    propertyId = (await tokenize(domus, issuer)).id;
    alice = await investor(domus, 'Alice', 10_000);
    bob = await investor(domus, 'Bob', 10_000);
    const offering = await openOffering(domus, issuer, propertyId);
    for (const [who, count] of [[alice, 30], [bob, 20]] as const) {
      await confirm(domus, who);
      const bought = await call(domus, who.caller, 'POST', `/tokenization/offerings/${offering.id}/purchases`, { shares: count });
      expect(bought.statusCode, bought.body).toBe(200);
    }
    domus.clock.advance(8 * 86_400_000);
    await confirm(domus, issuer);
    expect((await call(domus, issuer.caller, 'POST', `/tokenization/offerings/${offering.id}/finalize`)).statusCode).toBe(200);
    shares = getAddress((await call(domus, issuer.caller, 'GET', `/tokenization/properties/${propertyId}`)).json().contracts.shares as string);
  }, 240_000);
  afterAll(async () => domus?.close());

  const agent = async (path: string, body: Record<string, unknown>) => {
    await confirm(domus, issuer);
    return call(domus, issuer.caller, 'POST', `/tokenization/properties/${propertyId}/agent/${path}`, body);
  };
  const state = async (wallet: string) => {
    const response = await call(domus, issuer.caller, 'GET', `/tokenization/properties/${propertyId}/agent/wallets?wallet=${wallet}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { shares: number; frozen: boolean; frozenShares: number; verified: boolean; paused: boolean };
  };
  /** What the shares contract itself answers for a transfer of one share: [allowed, rule]. */
  const canTransfer = async (from: string, to: string) => {
    const context = await domus.modules.tokenization.chain.get();
    const [allowed, rule] = await context.chain.read<readonly [boolean, number]>({ address: shares, contract: 'PropertyShares', functionName: 'canTransfer', args: [from, to, SHARE_UNIT] });
    return { allowed, rule: Number(rule) };
  };

  it('is only for the admins of the issuing organization, with a reason and a recent second factor', async () => {
    await confirm(domus, alice);
    expectProblem(await call(domus, alice.caller, 'POST', `/tokenization/properties/${propertyId}/agent/freeze`, { wallet: bob.wallet, frozen: true, reason }), 404, 'TOKENIZED_PROPERTY_NOT_FOUND');
    expectProblem(await call(domus, alice.caller, 'GET', `/tokenization/properties/${propertyId}/agent/wallets?wallet=${bob.wallet}`), 404, 'TOKENIZED_PROPERTY_NOT_FOUND');
    expectProblem(await agent('freeze', { wallet: alice.wallet, frozen: true }), 400, 'VALIDATION_FAILED', 'reason');
    expectProblem(await agent('freeze', { wallet: 'alice', frozen: true, reason }), 400, 'VALIDATION_FAILED', 'wallet');
    domus.clock.advance(10 * 60_000); // the issuer's step-up is now older than five minutes
    const stale = await call(domus, issuer.caller, 'POST', `/tokenization/properties/${propertyId}/agent/freeze`, { wallet: alice.wallet, frozen: true, reason });
    expectProblem(stale, 401, 'STEP_UP_REQUIRED');
    expect(await state(alice.wallet)).toMatchObject({ shares: 30, frozen: false, frozenShares: 0, verified: true, paused: false });
  });

  it('freezes and unfreezes a whole wallet, which the contract then enforces', async () => {
    expect(await canTransfer(alice.wallet, bob.wallet)).toEqual({ allowed: true, rule: 0 });
    const frozen = await agent('freeze', { wallet: alice.wallet, frozen: true, reason });
    expect(frozen.statusCode, frozen.body).toBe(200);
    expect(frozen.json()).toMatchObject({ status: 'done', transactions: [expect.objectContaining({ hash: expect.stringMatching(/^0x/) })] });
    expect(await state(alice.wallet)).toMatchObject({ frozen: true });
    expect((await canTransfer(alice.wallet, bob.wallet)).allowed).toBe(false);
    expect((await canTransfer(bob.wallet, alice.wallet)).allowed).toBe(false);
    expect((await agent('freeze', { wallet: alice.wallet, frozen: false, reason: 'hold lifted, case 2026-114 closed' })).statusCode).toBe(200);
    expect(await canTransfer(alice.wallet, bob.wallet)).toEqual({ allowed: true, rule: 0 });
  });

  it('freezes part of a balance, never more than the wallet holds, and releases it', async () => {
    expect((await agent('freeze-shares', { wallet: alice.wallet, shares: 25, frozen: true, reason })).statusCode).toBe(200);
    expect(await state(alice.wallet)).toMatchObject({ shares: 30, frozenShares: 25 });
    expectProblem(await agent('freeze-shares', { wallet: alice.wallet, shares: 10, frozen: true, reason }), 409, 'AGENT_ACTION_REFUSED');
    expectProblem(await agent('freeze-shares', { wallet: alice.wallet, shares: 26, frozen: false, reason }), 409, 'AGENT_ACTION_REFUSED');
    expect((await agent('freeze-shares', { wallet: alice.wallet, shares: 25, frozen: false, reason })).statusCode).toBe(200);
    expect(await state(alice.wallet)).toMatchObject({ frozenShares: 0 });
  });

  it('pauses and resumes all transfers, refusing to pause twice', async () => {
    expect((await agent('pause', { paused: true, reason: 'title dispute at the land registry' })).statusCode).toBe(200);
    expect(await state(bob.wallet)).toMatchObject({ paused: true });
    expect((await canTransfer(alice.wallet, bob.wallet)).allowed).toBe(false);
    expectProblem(await agent('pause', { paused: true, reason: 'title dispute at the land registry' }), 409, 'AGENT_ACTION_REFUSED');
    expect((await agent('pause', { paused: false, reason: 'title dispute resolved' })).statusCode).toBe(200);
    expect(await canTransfer(alice.wallet, bob.wallet)).toEqual({ allowed: true, rule: 0 });
  });

  it('changes the compliance rules after deployment, which the contract then enforces, and sends only what differs', async () => {
    const carol = await investor(domus, 'Carol', 0);
    const put = async (body: Record<string, unknown>) => {
      await confirm(domus, issuer);
      return call(domus, issuer.caller, 'PUT', `/tokenization/properties/${propertyId}/agent/compliance`, body);
    };
    const read = async (countries = '') => {
      const response = await call(domus, issuer.caller, 'GET', `/tokenization/properties/${propertyId}/agent/compliance${countries ? `?countries=${countries}` : ''}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    };
    const before = await read('276');
    expect(before).toMatchObject({ maxHolders: 0, maxBalanceShares: 0, lockUpUntil: null, countryRestricted: false, countries: [{ country: 276, allowed: false }] });
    expect(before.holders).toBeGreaterThanOrEqual(2);

    // Bad input names the field; nothing is sent.
    expectProblem(await put({ reason }), 400, 'VALIDATION_FAILED', 'maxHolders');
    expectProblem(await put({ maxHolders: -1, reason }), 400, 'VALIDATION_FAILED', 'maxHolders');
    expectProblem(await put({ allowCountries: [276], disallowCountries: [276], reason }), 400, 'VALIDATION_FAILED', 'disallowCountries');
    expectProblem(await put({ lockUpUntil: 'next week', reason }), 400, 'VALIDATION_FAILED', 'lockUpUntil');
    await confirm(domus, alice);
    expectProblem(await call(domus, alice.caller, 'PUT', `/tokenization/properties/${propertyId}/agent/compliance`, { maxHolders: 1, reason }), 404, 'TOKENIZED_PROPERTY_NOT_FOUND');

    // Holder cap at today's count: existing holders trade, a new holder is refused (rule 11).
    const capped = await put({ maxHolders: before.holders, reason: 'prospectus limits the investor count' });
    expect(capped.statusCode, capped.body).toBe(200);
    expect(capped.json().transactions).toHaveLength(1);
    expect(capped.json().settings).toMatchObject({ maxHolders: before.holders });
    expect(await canTransfer(alice.wallet, bob.wallet)).toEqual({ allowed: true, rule: 0 });
    expect(await canTransfer(alice.wallet, carol.wallet)).toEqual({ allowed: false, rule: 11 });
    expectProblem(await put({ maxHolders: before.holders, reason: 'again' }), 409, 'AGENT_ACTION_REFUSED');

    // Countries: restricted to France, German receivers are refused (rule 9); allowing Germany lets them in.
    const restricted = await put({ countryRestricted: true, allowCountries: [250], maxHolders: 0, reason: 'offering passported to France only' });
    expect(restricted.statusCode, restricted.body).toBe(200);
    expect(restricted.json().transactions).toHaveLength(3);
    expect(await canTransfer(alice.wallet, bob.wallet)).toEqual({ allowed: false, rule: 9 });
    const opened = await put({ allowCountries: [276], reason: 'passported to Germany as well' });
    expect(opened.json().settings.countries).toEqual([{ country: 276, allowed: true }]);
    expect(await canTransfer(alice.wallet, bob.wallet)).toEqual({ allowed: true, rule: 0 });

    // Lock-up: investors cannot sell until it ends; null lifts it.
    const until = new Date(domus.clock.now().getTime() + 90 * 86_400_000).toISOString();
    expect((await put({ lockUpUntil: until, reason: 'regulator-ordered 90-day lock-up' })).statusCode).toBe(200);
    expect((await read()).lockUpUntil).toBe(new Date(Math.floor(Date.parse(until) / 1000) * 1000).toISOString());
    expect(await canTransfer(alice.wallet, bob.wallet)).toEqual({ allowed: false, rule: 5 });
    const lifted = await put({ lockUpUntil: null, countryRestricted: false, disallowCountries: [250, 276], reason: 'lock-up lifted by the regulator' });
    expect(lifted.statusCode, lifted.body).toBe(200);
    expect(lifted.json().settings).toMatchObject({ lockUpUntil: null, countryRestricted: false });
    expect(await canTransfer(alice.wallet, bob.wallet)).toEqual({ allowed: true, rule: 0 });
  });

  it('moves shares by force to a verified holder only, never more than the wallet holds', async () => {
    const moved = await agent('forced-transfers', { from: alice.wallet, to: bob.wallet, shares: 5, reason: 'court order 12 O 345/26' });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await state(alice.wallet)).shares).toBe(25);
    expect((await state(bob.wallet)).shares).toBe(25);
    const unverified = await investor(domus, 'Unverified', 0, { kyc: false });
    expectProblem(await agent('forced-transfers', { from: alice.wallet, to: unverified.wallet, shares: 1, reason: 'court order 12 O 345/26' }), 422, 'COMPLIANCE_RULE_FAILED');
    expectProblem(await agent('forced-transfers', { from: alice.wallet, to: bob.wallet, shares: 26, reason: 'court order 12 O 345/26' }), 409, 'AGENT_ACTION_REFUSED', 'shares');
    expectProblem(await agent('forced-transfers', { from: alice.wallet, to: alice.wallet, shares: 1, reason: 'court order 12 O 345/26' }), 409, 'AGENT_ACTION_REFUSED', 'to');
    expect((await state(alice.wallet)).shares).toBe(25); // nothing moved by the refused ones
  });

  it("recovers a lost wallet into an empty wallet of the same investor, and only of the same investor", async () => {
    // Alice reports her custodial wallet lost; she links a new wallet of her own.
    const own = privateKeyToAccount(generatePrivateKey());
    const { message } = (await call(domus, alice.caller, 'GET', `/tokenization/wallets/link-message?address=${own.address}`)).json() as { message: string };
    expect((await call(domus, alice.caller, 'POST', '/tokenization/wallets', { address: own.address, signature: await own.signMessage({ message }) })).statusCode).toBe(200);

    expectProblem(await agent('recoveries', { lostWallet: alice.wallet, newWallet: bob.wallet, reason: 'lost key reported by the holder' }), 422, 'RECOVERY_WALLET_MISMATCH', 'newWallet');
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    expectProblem(await agent('recoveries', { lostWallet: stranger, newWallet: own.address, reason: 'lost key reported by the holder' }), 422, 'RECOVERY_WALLET_MISMATCH', 'lostWallet');

    const recovered = await agent('recoveries', { lostWallet: alice.wallet, newWallet: own.address, reason: 'lost key reported by the holder' });
    expect(recovered.statusCode, recovered.body).toBe(200);
    expect(await state(own.address)).toMatchObject({ shares: 25, frozen: false, verified: true });
    expect(await state(alice.wallet)).toMatchObject({ shares: 0, frozen: true });
    // One wallet as both lost and new passes the platform's rule but not the contract's
    // (SharesInvalidRecovery), found by the simulation before anything is sent.
    const reverse = await agent('recoveries', { lostWallet: own.address, newWallet: own.address, reason: 'lost key reported by the holder' });
    expectProblem(reverse, 409, 'AGENT_ACTION_REFUSED');
  });

  it('audits every agent action with its reason and outcome, and the investors\' money actions', async () => {
    const entries = await domus.platform.audit.entriesForActor({ type: 'user', id: issuer.admin.id });
    const actions = entries.map((entry) => `${entry.action}:${entry.outcome}`);
    expect(actions).toEqual(expect.arrayContaining([
      'tokenization.agent.wallet_frozen:success',
      'tokenization.agent.wallet_unfrozen:success',
      'tokenization.agent.shares_frozen:success',
      'tokenization.agent.shares_frozen:failure',
      'tokenization.agent.paused:success',
      'tokenization.agent.forced_transfer:success',
      'tokenization.agent.forced_transfer:failure',
      'tokenization.agent.wallet_recovered:success',
      'tokenization.agent.compliance_changed:success',
      'tokenization.agent.compliance_changed:failure',
      'tokenization.offering.finalized:success',
    ]));
    const capped = entries.find((entry) => entry.action === 'tokenization.agent.compliance_changed' && entry.outcome === 'success')!;
    expect(capped.details).toMatchObject({ reason: 'prospectus limits the investor count', changes: { maxHolders: expect.any(Number) } });
    const forced = entries.find((entry) => entry.action === 'tokenization.agent.forced_transfer' && entry.outcome === 'success')!;
    expect(forced.details).toMatchObject({ reason: 'court order 12 O 345/26', shares: 5, transactions: [expect.stringMatching(/^0x/)] });
    const refused = entries.find((entry) => entry.action === 'tokenization.agent.forced_transfer' && entry.outcome === 'failure')!;
    expect(refused.details).toMatchObject({ error: expect.any(String) });
    const bought = await domus.platform.audit.entriesForActor({ type: 'user', id: bob.user.id });
    expect(bought.map((entry) => `${entry.action}:${entry.outcome}`)).toContain('tokenization.shares.purchased:success');
    expect((await domus.platform.audit.verify()).ok).toBe(true);
  });
});
