import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { policy } from '../../platform/policy';
import { pageSchema, problemResponses } from '../../platform/http';
import {
  createDealBody,
  createOfferBody,
  dealEventSchema,
  dealSchema,
  idempotencyHeaders,
  idParams,
  listQuery,
  offerActionBody,
  offerParams,
} from './deals.schema';
import type { DealsService } from './deals.service';

/** Deals and their offer workflow under /api/v1/deals (docs/deals.md). */
export function dealsRoutes(service: DealsService): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['deals'];

    app.post('/deals', {
      config: { policy: policy.resource('any signed-in person who can see the listing becomes its buyer; not on their own organization\'s listings (service)') },
      schema: {
        tags, summary: 'Open a deal on an active or under_offer listing (the caller is the buyer)', body: createDealBody,
        response: { 201: dealSchema, ...problemResponses(400, 401, 404, 409) },
      },
    }, async (request, reply) => reply.code(201).send(await service.openDeal(request.auth, request.body)));

    app.get('/deals', {
      config: { policy: policy.self("deals the caller takes part in: as buyer, buyer's agent or seller-organization member") },
      schema: {
        tags, summary: "The caller's deals: as buyer or buyer's agent, or as member of the seller organization; newest first", querystring: listQuery,
        response: { 200: pageSchema(dealSchema), ...problemResponses(400, 401) },
      },
    }, async (request) => service.listDeals(request.auth, request.query));

    app.get('/deals/:id', {
      config: { policy: policy.resource('participants only: buyer, buyer\'s agent, seller-organization members (service answers 404)') },
      schema: { tags, summary: 'One deal with its offers (participants only)', params: idParams, response: { 200: dealSchema, ...problemResponses(400, 401, 404) } },
    }, async (request) => service.getDeal(request.auth, request.params.id));

    app.post('/deals/:id/offers', {
      config: { policy: policy.resource('participants who may act (service: 404 / 403)', { sensitive: true }) },
      schema: {
        tags, summary: 'Submit an offer (buyer side) or a counter to the other side\'s offer; honours Idempotency-Key',
        params: idParams, headers: idempotencyHeaders, body: createOfferBody,
        response: { 201: dealSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    }, async (request, reply) => {
      const { deal, replayed } = await service.submitOffer(request.auth, request.params.id, request.body, request.headers['idempotency-key']);
      if (replayed) reply.header('idempotency-replayed', 'true');
      return reply.code(201).send(deal);
    });

    // Accepting binds money: a second factor within five minutes (ASVS level 3) and a fresh risk check.
    const acceptPolicy = policy.resource('participants who may act (service: 404 / 403)', { sensitive: true, stepUp: { maxAgeSeconds: 300 } });
    const offerActionPolicy = policy.resource('participants who may act (service: 404 / 403)', { sensitive: true });
    for (const action of ['accept', 'reject', 'withdraw'] as const) {
      const summary = {
        accept: "Accept the other side's latest submitted offer; closes the deal",
        reject: "Reject the other side's submitted offer",
        withdraw: "Withdraw your side's submitted offer",
      }[action];
      app.post(`/deals/:id/offers/:offerId/${action}`, {
        config: { policy: action === 'accept' ? acceptPolicy : offerActionPolicy },
        schema: { tags, summary, params: offerParams, body: offerActionBody, response: { 200: dealSchema, ...problemResponses(400, 401, 403, 404, 409) } },
      }, async (request) => service.actOnOffer(request.auth, request.params.id, request.params.offerId, action, request.body, { ip: request.ip, requestId: request.id }));
    }

    app.get('/deals/:id/events', {
      config: { policy: policy.resource('participants only (service answers 404)') },
      schema: {
        tags, summary: "The deal's immutable history, oldest first", params: idParams, querystring: listQuery,
        response: { 200: pageSchema(dealEventSchema), ...problemResponses(400, 401, 404) },
      },
    }, async (request) => service.listEvents(request.auth, request.params.id, request.query));
  };
}
