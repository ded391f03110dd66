import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type AuditLog } from '../../platform/audit';
import { AppError } from '../../platform/errors';
import { problemResponses } from '../../platform/http';
import { policy } from '../../platform/policy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComplianceAgentService } from './agent.service';
import { requireUser } from '../identity';
import { linkMessage, type InvestorsService } from './investors.service';
import {
  actionResultSchema,
  agentForcedTransferBody,
  agentFreezeBody,
  agentFreezeSharesBody,
  agentPauseBody,
  agentRecoveryBody,
  agentWalletQuery,
  agentWalletStateSchema,
  complianceQuery,
  complianceSettingsBody,
  complianceSettingsSchema,
  cancelOrderBody,
  chainInfoSchema,
  claimBody,
  createOfferingBody,
  depositBody,
  fillOrderBody,
  idempotencyHeaders,
  idParams,
  kycBody,
  kycSchema,
  linkWalletBody,
  offeringSchema,
  orderBookSchema,
  orderParams,
  placeOrderBody,
  portfolioSchema,
  purchaseBody,
  relayResultSchema,
  sandboxFundsBody,
  signedTransactionBody,
  tokenizeBody,
  tokenizedPropertySchema,
  walletSchema,
} from './tokenization.schema';
import type { TokenizationService } from './tokenization.service';
import type { TradingService } from './trading.service';

const chainProblems = [502, 503];
const replayed = <T>(reply: FastifyReply, outcome: { result: T; replayed: boolean }): T => {
  if (outcome.replayed) reply.header('idempotency-replayed', 'true');
  return outcome.result;
};
const stepUp = { maxAgeSeconds: 300 };
const publicRead = policy.public('public on-chain data: contracts, offerings, order books');
const issuer = (extra = {}) => policy.resource("admins of the listing's organization (the service answers 404 otherwise)", { sensitive: true, ...extra });
const investor = (extra = {}) => policy.self("the caller's own wallets and identity", extra);
/** Moves money from a custodial wallet or the operator: a recent second factor and a risk check. */
const money = { sensitive: true, stepUp };

/**
 * Audits a money or compliance action (issue 3: money-related actions are in the tamper-evident
 * log): the outcome, the transactions it mined (or prepared for the user's wallet), the error code
 * when it failed. Written after the chain answered — a chain transaction cannot share a database
 * transaction — and quietly, so an audit outage never turns a mined transaction into an error.
 */
function auditor(audit: AuditLog | undefined) {
  return async <T>(request: FastifyRequest, action: string, target: { type: string; id: string }, details: Record<string, unknown>, work: () => Promise<T>): Promise<T> => {
    const base = { action, actor: actorOf(request.auth), target, ip: request.ip, requestId: request.id };
    try {
      const result = await work();
      const outcome = result as { status?: string; transactions?: { hash: string }[]; unsignedTransactions?: unknown[] };
      await audit?.recordQuietly({
        ...base,
        outcome: 'success',
        details: {
          ...details,
          ...(outcome.status ? { status: outcome.status } : {}),
          ...(outcome.transactions ? { transactions: outcome.transactions.map((tx) => tx.hash) } : {}),
          ...(outcome.unsignedTransactions?.length ? { preparedForWallet: outcome.unsignedTransactions.length } : {}),
        },
      });
      return result;
    } catch (error) {
      await audit?.recordQuietly({ ...base, outcome: 'failure', details: { ...details, error: error instanceof AppError ? error.code : 'INTERNAL' } });
      throw error;
    }
  };
}

/** Tokenization under /api/v1/tokenization (docs/tokenization.md, "API"). */
export function tokenizationRoutes(services: { tokenization: TokenizationService; trading: TradingService; investors: InvestorsService; agent: ComplianceAgentService; audit?: AuditLog }): FastifyPluginAsync {
  const { tokenization, trading, investors, agent } = services;
  const audited = auditor(services.audit);
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['tokenization'];
    const base = '/tokenization';

    app.get(`${base}/chain`, {
      config: { policy: publicRead },
      schema: { tags, summary: 'The chain, the platform contracts, the stablecoin (sandbox or real) and the indexer position', response: { 200: chainInfoSchema, ...problemResponses(503) } },
    }, async () => trading.chainInfo());

    // ---- issuer: tokenize, offerings, rent -------------------------------------------------------
    app.post(`${base}/properties`, {
      config: { policy: issuer() },
      schema: {
        tags, summary: "Tokenize a listed property: deed + shares + rent distributor + market (the listing organization's admins); repeating it resumes a half-finished deployment",
        body: tokenizeBody, response: { 201: tokenizedPropertySchema, ...problemResponses(400, 401, 403, 404, 409, ...chainProblems) },
      },
    }, async (request, reply) => reply.code(201).send(await tokenization.tokenize(request.auth, request.body)));

    app.get(`${base}/properties`, {
      config: { policy: publicRead },
      schema: { tags, summary: 'Tokenized properties with their offerings', response: { 200: z.object({ items: z.array(tokenizedPropertySchema) }), ...problemResponses(503) } },
    }, async () => ({ items: await tokenization.listProperties() }));

    app.get(`${base}/properties/:id`, {
      config: { policy: publicRead },
      schema: { tags, summary: 'One tokenized property: contracts, holders, rent totals, offerings', params: idParams, response: { 200: tokenizedPropertySchema, ...problemResponses(400, 404, 503) } },
    }, async (request) => tokenization.getProperty(request.params.id));

    app.post(`${base}/properties/:id/offerings`, {
      config: { policy: issuer() },
      schema: {
        tags, summary: 'Open a primary offering: deploys the sale contract and mints the hard cap into it (admins)',
        params: idParams, body: createOfferingBody, response: { 201: offeringSchema, ...problemResponses(400, 401, 403, 404, 409, ...chainProblems) },
      },
    }, async (request, reply) => reply.code(201).send(await tokenization.createOffering(request.auth, request.params.id, request.body)));

    app.get(`${base}/offerings/:id`, {
      config: { policy: publicRead },
      schema: { tags, summary: 'Offering status read from the chain (sold, raised, state)', params: idParams, response: { 200: offeringSchema, ...problemResponses(400, 404, 503) } },
    }, async (request) => tokenization.getOffering(request.params.id));

    app.post(`${base}/offerings/:id/finalize`, {
      config: { policy: issuer(money) },
      schema: {
        tags, summary: 'Finalize after the deadline: deliver shares and pay proceeds on success, refund custodial buyers on failure (admins)',
        params: idParams, response: { 200: offeringSchema, ...problemResponses(400, 401, 403, 404, 409, ...chainProblems) },
      },
    }, async (request) => audited(request, 'tokenization.offering.finalized', { type: 'offering', id: request.params.id }, {}, () => tokenization.finalizeOffering(request.auth, request.params.id)));

    app.post(`${base}/offerings/:id/purchases`, {
      config: { policy: investor(money) },
      schema: {
        tags, summary: 'Buy shares: with the custodial wallet (done) or your own wallet (unsigned approve + buy to sign); compliance pre-checked',
        params: idParams, headers: idempotencyHeaders, body: purchaseBody, response: { 200: actionResultSchema, ...problemResponses(400, 401, 403, 404, 409, 422, ...chainProblems) },
      },
    }, async (request, reply) =>
      replayed(reply, await trading.idempotent(`purchase ${request.params.id} user:${requireUser(request.auth)}`, request.headers['idempotency-key'], request.body, () =>
        audited(request, 'tokenization.shares.purchased', { type: 'offering', id: request.params.id }, { shares: request.body.shares }, () => trading.purchase(request.auth, request.params.id, request.body)))));

    app.post(`${base}/offerings/:id/settle`, {
      config: { policy: investor() },
      schema: {
        tags, summary: 'After finalization: deliver your undelivered shares, or refund your purchase of a failed offering',
        params: idParams, body: claimBody, response: { 200: actionResultSchema, ...problemResponses(400, 401, 404, 409, 422, ...chainProblems) },
      },
    }, async (request) => audited(request, 'tokenization.offering.settled', { type: 'offering', id: request.params.id }, {}, () => tokenization.settleOffering(request.auth, request.params.id, request.body.wallet)));

    app.post(`${base}/properties/:id/rent-deposits`, {
      config: { policy: issuer(money) },
      schema: {
        tags, summary: 'Deposit collected rent for the holders (admins); claimable pro rata by shares held since the record date',
        params: idParams, headers: idempotencyHeaders, body: depositBody, response: { 200: actionResultSchema, ...problemResponses(400, 401, 403, 404, 409, 422, ...chainProblems) },
      },
    }, async (request, reply) =>
      replayed(reply, await trading.idempotent(`rent-deposit ${request.params.id} user:${requireUser(request.auth)}`, request.headers['idempotency-key'], request.body, () =>
        audited(request, 'tokenization.rent.deposited', { type: 'tokenized_property', id: request.params.id }, { amountMinor: request.body.amount.amountMinor }, () =>
          trading.depositRent(request.auth, request.params.id, request.body.amount.amountMinor)))));

    app.post(`${base}/properties/:id/claims`, {
      config: { policy: investor(money) },
      schema: {
        tags, summary: 'Claim your rent from this property (custodial: done; own wallet: unsigned claim)',
        params: idParams, headers: idempotencyHeaders, body: claimBody, response: { 200: actionResultSchema, ...problemResponses(400, 401, 404, 409, 422, ...chainProblems) },
      },
    }, async (request, reply) =>
      replayed(reply, await trading.idempotent(`claim ${request.params.id} user:${requireUser(request.auth)}`, request.headers['idempotency-key'], request.body, () =>
        audited(request, 'tokenization.rent.claimed', { type: 'tokenized_property', id: request.params.id }, {}, () => trading.claimRent(request.auth, request.params.id, request.body.wallet)))));

    // ---- secondary market --------------------------------------------------------------------------
    app.get(`${base}/properties/:id/orders`, {
      config: { policy: publicRead },
      schema: {
        tags, summary: 'The order book (open orders, or all with ?status=all)', params: idParams,
        querystring: z.object({ status: z.enum(['open', 'all']).default('open') }), response: { 200: orderBookSchema, ...problemResponses(400, 404, 503) },
      },
    }, async (request) => trading.orderBook(request.auth, request.params.id, request.query.status));

    app.post(`${base}/properties/:id/orders`, {
      config: { policy: investor(money) },
      schema: {
        tags, summary: 'Place a sell order (shares stay in your wallet until a fill) or a buy order (payment escrowed)',
        params: idParams, headers: idempotencyHeaders, body: placeOrderBody, response: { 200: actionResultSchema, ...problemResponses(400, 401, 403, 404, 409, 422, ...chainProblems) },
      },
    }, async (request, reply) =>
      replayed(reply, await trading.idempotent(`order ${request.params.id} user:${requireUser(request.auth)}`, request.headers['idempotency-key'], request.body, () =>
        audited(request, 'tokenization.order.placed', { type: 'tokenized_property', id: request.params.id }, { side: request.body.side, shares: request.body.shares }, () =>
          trading.placeOrder(request.auth, request.params.id, request.body)))));

    app.post(`${base}/properties/:id/orders/:orderId/fill`, {
      config: { policy: investor(money) },
      schema: {
        tags, summary: 'Fill (part of) an order; both legs settle atomically; canFill pre-checks compliance',
        params: orderParams, headers: idempotencyHeaders, body: fillOrderBody, response: { 200: actionResultSchema, ...problemResponses(400, 401, 403, 404, 409, 422, ...chainProblems) },
      },
    }, async (request, reply) =>
      replayed(reply, await trading.idempotent(`fill ${request.params.id}/${request.params.orderId} user:${requireUser(request.auth)}`, request.headers['idempotency-key'], request.body, () =>
        audited(request, 'tokenization.order.filled', { type: 'tokenized_property', id: request.params.id }, { orderId: request.params.orderId, shares: request.body.shares }, () =>
          trading.fillOrder(request.auth, request.params.id, request.params.orderId, request.body)))));

    app.post(`${base}/properties/:id/orders/:orderId/cancel`, {
      config: { policy: investor() },
      schema: {
        tags, summary: 'Cancel your order (a buy order refunds its escrow)',
        params: orderParams, body: cancelOrderBody, response: { 200: actionResultSchema, ...problemResponses(400, 401, 404, 409, ...chainProblems) },
      },
    }, async (request) => audited(request, 'tokenization.order.cancelled', { type: 'tokenized_property', id: request.params.id }, { orderId: request.params.orderId }, () =>
      trading.cancelOrder(request.auth, request.params.id, request.params.orderId, request.body.wallet)));

    app.post(`${base}/transactions`, {
      config: { policy: investor({ sensitive: true }) },
      schema: {
        tags, summary: 'Relay a transaction signed by your own linked wallet (simulated first; compliance failures are 4xx)',
        body: signedTransactionBody, response: { 200: relayResultSchema, ...problemResponses(400, 401, 404, 409, 422, ...chainProblems) },
      },
    }, async (request) => audited(request, 'tokenization.transaction.relayed', { type: 'user', id: requireUser(request.auth) }, {}, () => trading.relay(request.auth, request.body.signedTransaction as `0x${string}`)));

    // ---- compliance agent (ERC-3643): the admins of the issuing organization -------------------------
    const agentTarget = (id: string) => ({ type: 'tokenized_property', id });
    const agentProblems = problemResponses(400, 401, 403, 404, 409, 422, ...chainProblems);
    app.get(`${base}/properties/:id/agent/wallets`, {
      config: { policy: issuer() },
      schema: { tags, summary: "A wallet's shares, freezes and verification, and whether transfers are paused (admins)", params: idParams, querystring: agentWalletQuery, response: { 200: agentWalletStateSchema, ...problemResponses(400, 401, 403, 404, 503) } },
    }, async (request) => agent.walletState(request.auth, request.params.id, request.query.wallet));

    app.post(`${base}/properties/:id/agent/freeze`, {
      config: { policy: issuer(money) },
      schema: { tags, summary: 'Freeze or unfreeze a whole wallet: a frozen wallet can neither send nor receive shares, its rent waits (admins; audited with the reason)', params: idParams, body: agentFreezeBody, response: { 200: actionResultSchema, ...agentProblems } },
    }, async (request) => audited(request, `tokenization.agent.wallet_${request.body.frozen ? 'frozen' : 'unfrozen'}`, agentTarget(request.params.id), { wallet: request.body.wallet, reason: request.body.reason }, () =>
      agent.setFrozen(request.auth, request.params.id, request.body)));

    app.post(`${base}/properties/:id/agent/freeze-shares`, {
      config: { policy: issuer(money) },
      schema: { tags, summary: 'Freeze (or release) part of the shares of a wallet (admins; audited with the reason)', params: idParams, body: agentFreezeSharesBody, response: { 200: actionResultSchema, ...agentProblems } },
    }, async (request) => audited(request, `tokenization.agent.shares_${request.body.frozen ? 'frozen' : 'released'}`, agentTarget(request.params.id), { wallet: request.body.wallet, shares: request.body.shares, reason: request.body.reason }, () =>
      agent.freezeShares(request.auth, request.params.id, request.body)));

    app.post(`${base}/properties/:id/agent/pause`, {
      config: { policy: issuer(money) },
      schema: { tags, summary: 'Pause or resume all investor transfers of the shares (admins; audited with the reason)', params: idParams, body: agentPauseBody, response: { 200: actionResultSchema, ...agentProblems } },
    }, async (request) => audited(request, `tokenization.agent.${request.body.paused ? 'paused' : 'resumed'}`, agentTarget(request.params.id), { reason: request.body.reason }, () =>
      agent.setPaused(request.auth, request.params.id, request.body.paused)));

    app.post(`${base}/properties/:id/agent/forced-transfers`, {
      config: { policy: issuer(money) },
      schema: { tags, summary: "Move shares without the holder's signature (a court order, an estate); the receiver must pass compliance (admins; audited with the reason)", params: idParams, body: agentForcedTransferBody, response: { 200: actionResultSchema, ...agentProblems } },
    }, async (request) => audited(request, 'tokenization.agent.forced_transfer', agentTarget(request.params.id), { from: request.body.from, to: request.body.to, shares: request.body.shares, reason: request.body.reason }, () =>
      agent.forcedTransfer(request.auth, request.params.id, request.body)));

    app.post(`${base}/properties/:id/agent/recoveries`, {
      config: { policy: issuer(money) },
      schema: { tags, summary: "Recover a lost wallet into an empty one of the same investor: shares, freezes and unclaimed rent move, the lost wallet is frozen (admins; audited with the reason)", params: idParams, body: agentRecoveryBody, response: { 200: actionResultSchema, ...agentProblems } },
    }, async (request) => audited(request, 'tokenization.agent.wallet_recovered', agentTarget(request.params.id), { lostWallet: request.body.lostWallet, newWallet: request.body.newWallet, reason: request.body.reason }, () =>
      agent.recover(request.auth, request.params.id, request.body)));

    app.get(`${base}/properties/:id/agent/compliance`, {
      config: { policy: issuer() },
      schema: { tags, summary: "The shares' compliance rules on chain: holder and balance caps, lock-up, country restriction and the allowance of the countries named in ?countries= (admins)", params: idParams, querystring: complianceQuery, response: { 200: complianceSettingsSchema, ...problemResponses(400, 401, 403, 404, 503) } },
    }, async (request) => agent.complianceSettings(request.auth, request.params.id, request.query.countries ? request.query.countries.split(',').map(Number) : []));

    app.put(`${base}/properties/:id/agent/compliance`, {
      config: { policy: issuer(money) },
      schema: { tags, summary: 'Change the compliance rules after deployment: holder and balance caps, lock-up, country restriction and allowed countries; only differences are sent (admins; audited with the reason)', params: idParams, body: complianceSettingsBody, response: { 200: actionResultSchema.extend({ settings: complianceSettingsSchema }), ...agentProblems } },
    }, async (request) => {
      const { reason: why, ...changes } = request.body;
      return audited(request, 'tokenization.agent.compliance_changed', agentTarget(request.params.id), { changes, reason: why }, () => agent.updateCompliance(request.auth, request.params.id, request.body));
    });

    // ---- investors: portfolio, wallets, KYC -----------------------------------------------------------
    app.get(`${base}/portfolio`, {
      config: { policy: investor() },
      schema: { tags, summary: 'Your positions, claimable rent, wallets, KYC and history', response: { 200: portfolioSchema, ...problemResponses(401, 503) } },
    }, async (request) => trading.portfolio(request.auth));

    app.get(`${base}/wallets`, {
      config: { policy: investor() },
      schema: { tags, summary: 'Your wallets with their on-chain identity state and stablecoin balance', response: { 200: z.object({ items: z.array(walletSchema) }), ...problemResponses(401, 503) } },
    }, async (request) => ({ items: await investors.wallets(request.auth) }));

    app.post(`${base}/wallets/custodial`, {
      config: { policy: investor() },
      schema: { tags, summary: 'Create your custodial wallet (key generated and stored encrypted); returns the existing one if any', response: { 200: walletSchema, ...problemResponses(401, 503) } },
    }, async (request) => investors.createCustodialWallet(request.auth));

    app.get(`${base}/wallets/link-message`, {
      config: { policy: investor() },
      schema: { tags, summary: 'The message to personal_sign with your own wallet to link it', querystring: z.object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) }), response: { 200: z.object({ message: z.string() }), ...problemResponses(400, 401) } },
    }, async (request) => ({ message: linkMessage(requireUser(request.auth), request.query.address) }));

    app.post(`${base}/wallets`, {
      config: { policy: investor() },
      schema: { tags, summary: 'Link your own wallet by a signature over the link message', body: linkWalletBody, response: { 200: walletSchema, ...problemResponses(400, 401, 409, 422, 503) } },
    }, async (request) => investors.linkWallet(request.auth, request.body));

    app.post(`${base}/wallets/:address/sandbox-funds`, {
      config: { policy: investor() },
      schema: {
        tags, summary: 'Sandbox only: mint sandbox dollars (the local mock stablecoin) into one of your wallets',
        params: z.object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be an address') }), body: sandboxFundsBody,
        response: { 200: actionResultSchema, ...problemResponses(400, 401, 404, 409, ...chainProblems) },
      },
    }, async (request) => trading.sandboxFunds(request.auth, request.params.address, request.body.amount.amountMinor));

    app.get(`${base}/kyc`, {
      config: { policy: investor() },
      schema: { tags, summary: 'Your identity verification', response: { 200: kycSchema, ...problemResponses(401) } },
    }, async (request) => investors.kyc(request.auth));

    app.post(`${base}/kyc`, {
      config: { policy: investor() },
      schema: {
        tags, summary: 'Verify your identity with the sandbox KYC provider (sandbox-kyc); the result is mirrored into the identity registry for each of your wallets',
        body: kycBody, response: { 200: kycSchema, ...problemResponses(400, 401, 422, 503) },
      },
    }, async (request) => investors.submitKyc(request.auth, request.body));
  };
}
