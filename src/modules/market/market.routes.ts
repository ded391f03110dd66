import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemResponses } from '../../platform/http';
import { policy, type RoutePolicy } from '../../platform/policy';
import { areaSchema, areasQuery, forecastQuery, forecastResponse, indexQuery, indexResponse, recomputeBody, recomputeResponse, statisticsQuery, statisticsResponse } from './market.schema';
import type { MarketService } from './market.service';

/** Market intelligence under /api/v1/market (docs/market.md). Reads are public: they publish aggregates of public listings only. */
export function marketRoutes(service: MarketService): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['market'];
    const publicAggregates = policy.public('anyone: aggregates of public (published) sale listings only, no organization data');
    const recomputePolicy: RoutePolicy = {
      access: 'authenticated', via: ['session', 'apiKey'], tenant: 'none',
      ownership: 'any signed-in person or API key: recomputing cached aggregates is idempotent and reveals nothing new',
    };

    app.get('/market/areas', {
      config: { policy: publicAggregates },
      schema: { tags, summary: 'Cities or postal districts with sale listings, most sales first', querystring: areasQuery, response: { 200: z.object({ items: z.array(areaSchema) }), ...problemResponses(400) } },
    }, async (request) => ({ items: await service.areas(request.query.level) }));

    app.get('/market/index', {
      config: { policy: publicAggregates },
      schema: {
        tags, summary: 'House price index of an area per period (hedonic time-dummy, 100 at the first period)', querystring: indexQuery,
        response: { 200: indexResponse, ...problemResponses(400, 404, 422) },
      },
    }, async (request) => service.index(request.query));

    app.get('/market/forecast', {
      config: { policy: publicAggregates },
      schema: {
        tags, summary: 'Index forecast 1–12 periods ahead with prediction intervals; models picked by a rolling-origin backtest', querystring: forecastQuery,
        response: { 200: forecastResponse, ...problemResponses(400, 404, 422) },
      },
    }, async (request) => service.forecast(request.query));

    app.get('/market/statistics', {
      config: { policy: publicAggregates },
      schema: {
        tags, summary: 'Median price per m², days on market, inventory, new listings, absorption rate and months of supply per period', querystring: statisticsQuery,
        response: { 200: statisticsResponse, ...problemResponses(400, 404) },
      },
    }, async (request) => service.statistics(request.query));

    app.post('/market/recompute', {
      config: { policy: recomputePolicy },
      schema: { tags, summary: 'Recompute the cached indices now (logged-in callers)', body: recomputeBody, response: { 200: recomputeResponse, ...problemResponses(400, 401) } },
    }, async (request) => service.recompute(request.auth));
  };
}
