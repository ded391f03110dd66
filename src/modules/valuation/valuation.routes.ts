import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageSchema, problemResponses } from '../../platform/http';
import { policy } from '../../platform/policy';
import { batchBody, createValuationBody, historyQuery, idParams, jobSchema, modelSchema, trainBody, valuationSchema } from './valuation.schema';
import type { ValuationService } from './valuation.service';

/** Valuations, their history, portfolio batches and the model registry under /api/v1 (docs/valuation.md). */
export function valuationRoutes(service: ValuationService): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['valuation'];
    const scoped = { apiKeyScope: 'listings:read' };
    const admin = policy.resource('owners and admins of the organizations in VALUATION_ADMIN_ORGANIZATIONS; everyone else gets 403', { via: ['session'] });

    app.post('/valuations', {
      config: { policy: policy.resource('a stored property is valued only for members of its organization (404 otherwise); a described home needs only a signed-in caller', scoped) },
      schema: {
        tags, summary: 'Value a stored property (propertyId) or a described one (property): value, 80% range, confidence grade, comparables, explanation',
        body: createValuationBody, response: { 201: valuationSchema, ...problemResponses(400, 401, 404, 409, 422) },
      },
    }, async (request, reply) => reply.code(201).send(await service.createValuation(request.auth, request.body)));

    app.get('/properties/:id/valuations', {
      config: { policy: policy.resource("members of the property's organization; 404 otherwise", scoped) },
      schema: { tags, summary: "A property's valuations, newest first", params: idParams, querystring: historyQuery, response: { 200: pageSchema(valuationSchema), ...problemResponses(400, 401, 404) } },
    }, async (request) => service.history(request.auth, request.params.id, request.query));

    app.post('/valuations/batch', {
      config: { policy: policy.resource('members of the organization in the body (404 otherwise); each property must belong to it', scoped) },
      schema: {
        tags, summary: "Value a portfolio of the organization's properties in the background; poll GET /valuations/jobs/{id}",
        body: batchBody, response: { 202: jobSchema, ...problemResponses(400, 401, 404, 409) },
      },
    }, async (request, reply) => reply.code(202).send(await service.startBatch(request.auth, request.body)));

    app.get('/valuations/jobs/:id', {
      config: { policy: policy.resource("members of the job's organization; a training job, its creator and model administrators; 404 otherwise", scoped) },
      schema: { tags, summary: 'Status, progress and results of a batch or training job', params: idParams, response: { 200: jobSchema, ...problemResponses(400, 401, 404) } },
    }, async (request) => service.getJob(request.auth, request.params.id));

    app.get('/valuation-models', {
      config: { policy: admin },
      schema: { tags, summary: 'The model registry, newest version first (model administrators)', response: { 200: z.object({ items: z.array(modelSchema) }), ...problemResponses(401, 403) } },
    }, async (request) => ({ items: await service.listModels(request.auth) }));

    app.post('/valuation-models/train', {
      config: { policy: admin },
      schema: { tags, summary: "Train a model on the platform's sold listings in the background (model administrators)", body: trainBody, response: { 202: jobSchema, ...problemResponses(400, 401, 403) } },
    }, async (request, reply) => reply.code(202).send(await service.startTraining(request.auth, request.body)));

    app.post('/valuation-models/:id/activate', {
      config: { policy: admin },
      schema: { tags, summary: 'Make a ready model the active one on every node (model administrators)', params: idParams, response: { 200: modelSchema, ...problemResponses(400, 401, 403, 404, 409) } },
    }, async (request) => service.activate(request.auth, request.params.id));
  };
}
