/**
 * The valuation module's public API (DESIGN.md §3): the AVM (avm/), valuations over HTTP with
 * history and portfolio batches, the model registry with background training, and the general
 * evaluator of issue 5, item 5. docs/valuation.md.
 */
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import type { OrganizationAccess } from '../identity';
import { minorUnitsByCurrency } from '../../platform/money';
import type { ListingsService } from '../listings';
import type { PropertySale } from './avm/listings-sales.js';
import { JobRunner } from './valuation.jobs';
import { ModelRegistry } from './valuation.registry';
import { ValuationRepository } from './valuation.repository';
import { valuationRoutes } from './valuation.routes';
import { ValuationService, type ValuationListings } from './valuation.service';

export { evaluateCsv, evaluatorGbdtParams, EvaluationInputError, type EvaluateCsvOptions, type EvaluationMetrics, type EvaluationResult, type EvaluationSplit } from './evaluate.js';
export { salesFromCsv, SalesInputError, type SalesTable } from './avm/sales.js';
export { trainAvm, Avm } from './avm/model.js';
export { valueSubject, type AvmValuation } from './avm/valuate.js';
export { serializeAvm, parseAvm } from './avm/format.js';
export { ValuationService } from './valuation.service';
export { valuationErrors } from './valuation.errors';
export type { ModelView, ValuationView, JobView } from './valuation.schema';

export interface ValuationModule extends ModuleRegistration {
  service: ValuationService;
  registry: ModelRegistry;
  jobs: JobRunner;
}

export interface ValuationDependencies {
  access: OrganizationAccess;
  listings: ListingsService;
}

export function createValuationModule(platform: PlatformServices, deps: ValuationDependencies): ValuationModule {
  const repository = new ValuationRepository(platform.db);
  const registry = new ModelRegistry({ repository, files: platform.files, bus: platform.bus, clock: platform.clock, logger: platform.logger });
  const service = new ValuationService({
    repository,
    registry,
    listings: listingsAdapter(deps.listings),
    access: deps.access,
    clock: platform.clock,
    cursors: platform.cursors,
    adminOrganizations: () => platform.config.VALUATION_ADMIN_ORGANIZATIONS,
  });
  const jobs = new JobRunner({
    repository,
    clock: platform.clock,
    logger: platform.logger,
    nodeId: platform.nodeId,
    handlers: { batch: (job, progress) => service.runBatch(job, progress), train: (job) => service.runTraining(job) },
  });
  service.jobs = jobs;
  jobs.start();
  const unsubscribe = platform.bus.subscribe('valuation.model.activated', async (event, meta) => {
    if (meta.origin !== platform.nodeId) await registry.follow(event.modelId);
  });
  return {
    name: 'valuation',
    service,
    registry,
    jobs,
    routes: valuationRoutes(service),
    stop: async () => {
      unsubscribe();
      await jobs.stop();
    },
  };
}

/** Sold sale listings through the listings module's public search, page by page. */
function listingsAdapter(listings: ListingsService): ValuationListings {
  return {
    getProperty: (auth, id) => listings.getProperty(auth, id),
    soldSales: async function* () {
      let cursor: string | undefined;
      do {
        const page = await listings.search({ status: ['sold'], kind: 'sale', limit: 100, ...(cursor ? { cursor } : {}) } as Parameters<ListingsService['search']>[0]);
        for (const listing of page.items) {
          const { property } = listing;
          const price = listing.closingPrice ?? listing.askingPrice;
          const soldAt = listing.closedAt ?? listing.publishedAt;
          if (property.latitude === null || property.longitude === null || !soldAt) continue;
          const sale: PropertySale & { currency: string } = {
            ref: `${listing.isSynthetic ? 'synthetic:' : ''}listing:${listing.id}`,
            facts: property,
            latitude: property.latitude,
            longitude: property.longitude,
            price: price.amountMinor / 10 ** (minorUnitsByCurrency[price.currency as keyof typeof minorUnitsByCurrency] ?? 2),
            soldAt: Date.parse(soldAt),
            currency: price.currency,
          };
          yield sale;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },
  };
}
