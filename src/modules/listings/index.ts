import { IdempotencyKeys } from '../../platform/idempotency';
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import type { OrganizationAccess } from '../identity';
import { BulkImporter } from './listings.bulk-import';
import { PhotoService } from './listings.photos';
import { photoRoutes } from './listings.photos.routes';
import { ListingsRepository } from './listings.repository';
import { listingsRoutes } from './listings.routes';
import { SavedSearchMatcher } from './listings.saved-search-alerts';
import { SavedSearchService } from './listings.saved-searches';
import { SearchCache } from './listings.search.cache';
import { DensityGrid } from './listings.search.planner';
import { SearchRepository } from './listings.search.repository';
import { ListingsService } from './listings.service';

export type { BulkImportResult, EnergyLabel, ImportRecord, ListingKind, ListingStatus, PropertyInput, PropertyType } from './listings.import-types';
export type { Listing, Photo, PhotoSize, Property } from './listings.schema';
export { energyLabels, listingKinds, listingStatuses, propertyTypes, publicStatuses } from './listings.schema';
export type { SearchFacets, SearchFilters, SearchSort } from './listings.search';
export type { ListingPublishedEvent } from './listings.events';
export type { SavedSearchMatch } from './listings.saved-search-alerts';
export { SavedSearchMatcher } from './listings.saved-search-alerts';
export type { BulkImportOptions } from './listings.bulk-import';
export { allowedTransitions, isAllowedTransition } from './listings.workflow';
export { listingsErrors } from './listings.errors';
export { ListingsService } from './listings.service';
export { ListingsMarketFeed, type MarketArea, type MarketAreaLevel, type MarketSaleRecord } from './listings.market-feed';

export interface ListingsModule extends ModuleRegistration {
  service: ListingsService;
  /** Which saved searches a listing matches (saved-search alerts when it is published). */
  savedSearches: SavedSearchMatcher;
}

export interface ListingsDependencies {
  access: OrganizationAccess;
}

export function createListingsModule(platform: PlatformServices, deps: ListingsDependencies): ListingsModule {
  const repository = new ListingsRepository(platform.db);
  const search = new SearchRepository(repository.db);
  const density = new DensityGrid(() => search.densityCells(), platform.clock, platform.logger);
  const searchCache = new SearchCache(platform.clock, 2_000, 1_000, () => {
    platform.bus.publish('listings.changed', { nodeId: platform.nodeId }).catch((error: unknown) => {
      platform.logger.warn({ err: error }, 'could not tell other nodes to clear their search caches');
    });
  });
  const unsubscribe = platform.bus.subscribe('listings.changed', (event) => {
    if (event.nodeId !== platform.nodeId) searchCache.clearLocal();
  });
  const photos = new PhotoService({
    repository,
    access: deps.access,
    files: platform.files,
    clock: platform.clock,
    logger: platform.logger,
    onChange: () => searchCache.clear(),
  });
  const service = new ListingsService({
    repository,
    search,
    density,
    searchCache,
    photos,
    importer: new BulkImporter({
      repository,
      clock: platform.clock,
      onImported: () => {
        searchCache.clear();
        density.invalidate();
      },
    }),
    access: deps.access,
    idempotency: new IdempotencyKeys(platform.db, platform.clock),
    cursors: platform.cursors,
    bus: platform.bus,
    clock: platform.clock,
    logger: platform.logger,
  });
  const routes = listingsRoutes(service, new SavedSearchService({ repository, clock: platform.clock }));
  const photoPlugin = photoRoutes(photos);
  return {
    name: 'listings',
    service,
    savedSearches: new SavedSearchMatcher(repository.db),
    routes: async (app) => {
      await app.register(routes);
      await app.register(photoPlugin);
    },
    stop: async () => {
      unsubscribe();
      await density.settle();
    },
  };
}
