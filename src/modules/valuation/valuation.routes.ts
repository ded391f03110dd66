import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageSchema, problemResponses } from '../../platform/http';
import { batchBody, createValuationBody, historyQuery, idParams, jobSchema, modelSchema, trainBody, valuationSchema } from './valuation.schema';
import type { ValuationService } from './valuation.service';

/** Valuations, their history, portfolio batches and the model registry under /api/v1 (docs/valuation.md). */
export function valuationRoutes(service: ValuationService): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['valuation'];

    app.post('/valuations', {
      schema: {
        tags, summary: 'Value a stored property (propertyId) or a described one (property): value, 80% range, confidence grade, comparables, explanation',
        body: createValuationBody, response: { 201: valuationSchema, ...problemResponses(400, 401, 404, 409, 422) },
      },
    }, async (request, reply) => reply.code(201).send(await service.createValuation(request.auth, request.body)));

    app.get('/properties/:id/valuations', {
      schema: { tags, summary: "A property's valuations, newest first", params: idParams, querystring: historyQuery, response: { 200: pageSchema(valuationSchema), ...problemResponses(400, 401, 404) } },
    }, async (request) => service.history(request.auth, request.params.id, request.query));

    app.post('/valuations/batch', {
      schema: {
        tags, summary: "Value a portfolio of the organization's properties in the background; poll GET /valuations/jobs/{id}",
        body: batchBody, response: { 202: jobSchema, ...problemResponses(400, 401, 404, 409) },
      },
    }, async (request, reply) => reply.code(202).send(await service.startBatch(request.auth, request.body)));

    app.get('/valuations/jobs/:id', {
      schema: { tags, summary: 'Status, progress and results of a batch or training job', params: idParams, response: { 200: jobSchema, ...problemResponses(400, 401, 404) } },
    }, async (request) => service.getJob(request.auth, request.params.id));

    app.get('/valuation-models', {
      schema: { tags, summary: 'The model registry, newest version first (model administrators)', response: { 200: z.object({ items: z.array(modelSchema) }), ...problemResponses(401, 403) } },
    }, async (request) => ({ items: await service.listModels(request.auth) }));

    app.post('/valuation-models/train', {
      schema: { tags, summary: "Train a model on the platform's sold listings in the background (model administrators)", body: trainBody, response: { 202: jobSchema, ...problemResponses(400, 401, 403) } },
    }, async (request, reply) => reply.code(202).send(await service.startTraining(request.auth, request.body)));

    app.post('/valuation-models/:id/activate', {
      schema: { tags, summary: 'Make a ready model the active one on every node (model administrators)', params: idParams, response: { 200: modelSchema, ...problemResponses(400, 401, 403, 404, 409) } },
    }, async (request) => service.activate(request.auth, request.params.id));
  };
}
