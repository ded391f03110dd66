import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { policy } from '../../platform/policy';
import { z } from 'zod';
import { pageSchema, problemResponses } from '../../platform/http';
import {
  changeStatusBody,
  createListingBody,
  createPropertyBody,
  idempotencyHeaders,
  idParams,
  listingSchema,
  organizationParams,
  priceHistoryEntrySchema,
  propertiesQuery,
  propertySchema,
  updateListingBody,
  updatePropertyBody,
  workspaceQuery,
} from './listings.schema';
import { searchQuerySchema, searchResultSchema } from './listings.search';
import type { SavedSearchService } from './listings.saved-searches';
import type { ListingsService } from './listings.service';

const savedSearchSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  query: z.record(z.string(), z.string()).describe('The GET /listings parameters, as strings'),
  createdAt: z.string(),
});
const createSavedSearchBody = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(120),
    query: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .describe('GET /listings parameters (filters and sort; not limit, cursor or facets), validated like a search'),
  })
  .strict();

function markReplay(reply: FastifyReply, replayed: boolean): FastifyReply {
  return replayed ? reply.header('idempotency-replayed', 'true') : reply;
}

/** Properties, listings, search and saved searches (photos: listings.photos.routes.ts). */
export function listingsRoutes(service: ListingsService, savedSearches: SavedSearchService): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['listings'];

    // ---- properties ----
    app.post('/properties', {
      config: { policy: policy.resource('agents of the organization named in the body (service: 404 unless a member, 403 below agent)', { apiKeyScope: 'listings:write' }) },
      schema: {
        tags, summary: 'Create a property (agent+); honours Idempotency-Key', headers: idempotencyHeaders, body: createPropertyBody,
        response: { 201: propertySchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    }, async (request, reply) => {
      const { property, replayed } = await service.createProperty(request.auth, request.body, request.headers['idempotency-key']);
      return markReplay(reply, replayed).code(201).send(property);
    });

    app.get('/properties', {
      config: { policy: { access: 'authenticated', tenant: { query: 'organizationId' }, role: 'viewer', apiKeyScope: 'listings:read', ownership: 'members of the organization in ?organizationId' } },
      schema: { tags, summary: "An organization's properties, newest first", querystring: propertiesQuery, response: { 200: pageSchema(propertySchema), ...problemResponses(400, 401, 403, 404) } },
    }, async (request) => service.listProperties(request.auth, request.query.organizationId, request.query.cursor, request.query.limit));

    app.get('/properties/:id', {
      config: { policy: policy.resource("members of the property's organization (service answers 404 otherwise)", { apiKeyScope: 'listings:read' }) },
      schema: { tags, summary: 'One property (members of its organization)', params: idParams, response: { 200: propertySchema, ...problemResponses(400, 401, 403, 404) } },
    }, async (request) => service.getProperty(request.auth, request.params.id));

    app.patch('/properties/:id', {
      config: { policy: policy.resource("agents of the property's organization (service: 404 / 403)", { apiKeyScope: 'listings:write' }) },
      schema: {
        tags, summary: 'Change a property (agent+); its listings follow', params: idParams, body: updatePropertyBody,
        response: { 200: propertySchema, ...problemResponses(400, 401, 403, 404) },
      },
    }, async (request) => service.updateProperty(request.auth, request.params.id, request.body));

    // ---- listings ----
    app.post('/listings', {
      config: { policy: policy.resource("agents of the property's organization (service: 404 / 403)", { apiKeyScope: 'listings:write' }) },
      schema: {
        tags, summary: 'Create a draft listing for a property (agent+); honours Idempotency-Key', headers: idempotencyHeaders, body: createListingBody,
        response: { 201: listingSchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    }, async (request, reply) => {
      const { listing, replayed } = await service.createListing(request.auth, request.body, request.headers['idempotency-key']);
      return markReplay(reply, replayed).code(201).send(listing);
    });

    app.get('/listings', {
      config: { policy: policy.public('active, under-offer and sold listings of every organization') },
      schema: {
        tags, summary: 'Search public listings (keyset-paginated; facets on request)', querystring: searchQuerySchema,
        response: { 200: searchResultSchema, ...problemResponses(400) },
      },
    }, async (request, reply) =>
      // Pre-serialized (and possibly cached) JSON text: Fastify sends strings as they are.
      (reply as FastifyReply).type('application/json; charset=utf-8').send(await service.searchJson(request.query)));

    app.get('/listings/:id', {
      config: { policy: policy.public('public unless draft or withdrawn; those only for members of its organization (service answers 404)') },
      schema: { tags, summary: 'One listing: public unless draft or withdrawn', params: idParams, response: { 200: listingSchema, ...problemResponses(400, 404) } },
    }, async (request) => service.getListing(request.auth, request.params.id));

    app.patch('/listings/:id', {
      config: { policy: policy.resource("agents of the listing's organization (service: 404 / 403)", { apiKeyScope: 'listings:write' }) },
      schema: {
        tags, summary: 'Edit title, description or asking price (agent+); send expectedVersion to detect concurrent edits', params: idParams, body: updateListingBody,
        response: { 200: listingSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    }, async (request) => service.updateListing(request.auth, request.params.id, request.body));

    app.post('/listings/:id/status', {
      config: { policy: policy.resource("agents of the listing's organization (service: 404 / 403)", { apiKeyScope: 'listings:write' }) },
      schema: {
        tags, summary: 'Move a listing through its workflow (agent+)', params: idParams, body: changeStatusBody,
        response: { 200: listingSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    }, async (request) => service.changeStatus(request.auth, request.params.id, request.body));

    app.get('/listings/:id/price-history', {
      config: { policy: policy.public("as the listing itself: drafts only for its organization's members") },
      schema: { tags, summary: 'Asking prices over time, oldest first', params: idParams, response: { 200: pageSchema(priceHistoryEntrySchema), ...problemResponses(400, 404) } },
    }, async (request) => service.priceHistory(request.auth, request.params.id));

    app.get('/organizations/:orgId/listings', {
      config: { policy: policy.member('viewer', { apiKeyScope: 'listings:read' }) },
      schema: {
        tags, summary: "The organization's listings in every status, newest first (workspace)", params: organizationParams, querystring: workspaceQuery,
        response: { 200: pageSchema(listingSchema), ...problemResponses(400, 401, 403, 404) },
      },
    }, async (request) => service.listWorkspace(request.auth, request.params.orgId, request.query));

    // ---- saved searches ----
    app.post('/saved-searches', {
      config: { policy: policy.self("the caller's own saved searches") },
      schema: { tags, summary: 'Save a search (signed-in users)', body: createSavedSearchBody, response: { 201: savedSearchSchema, ...problemResponses(400, 401, 409) } },
    }, async (request, reply) => reply.code(201).send(await savedSearches.createSavedSearch(request.auth, request.body)));

    app.get('/saved-searches', {
      config: { policy: policy.self("the caller's own saved searches") },
      schema: { tags, summary: "The caller's saved searches, newest first", response: { 200: pageSchema(savedSearchSchema), ...problemResponses(401) } },
    }, async (request) => savedSearches.listSavedSearches(request.auth));

    app.get('/saved-searches/:id', {
      config: { policy: policy.self("the caller's own saved searches (others' answer 404)") },
      schema: { tags, summary: 'One of your saved searches', params: idParams, response: { 200: savedSearchSchema, ...problemResponses(400, 401, 404) } },
    }, async (request) => savedSearches.getSavedSearch(request.auth, request.params.id));

    app.delete('/saved-searches/:id', {
      config: { policy: policy.self("the caller's own saved searches (others' answer 404)") },
      schema: { tags, summary: 'Delete one of your saved searches', params: idParams, response: { 204: z.null(), ...problemResponses(400, 401, 404) } },
    }, async (request, reply) => {
      await savedSearches.deleteSavedSearch(request.auth, request.params.id);
      return reply.code(204).send(null);
    });
  };
}
