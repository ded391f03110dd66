import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import { ListingsMarketFeed } from '../listings';
import { MarketRepository } from './market.repository';
import { marketRoutes } from './market.routes';
import { MarketService } from './market.service';

/**
 * Market intelligence (issue 5, item 6): price indices, forecasts and statistics per area from
 * the platform's sale listings (including sales imported with the CSV importer, e.g. King County).
 */
export { marketErrors } from './market.errors';
export { MarketService } from './market.service';
export type { AreaIndex, AreaForecast } from './market.indices';
export type { PeriodStatistics } from './market.statistics';

export interface MarketModule extends ModuleRegistration {
  service: MarketService;
}

/** Stale cached indices are recomputed this long after the last listings change (changes come in bursts). */
const refreshDelayMs = 5_000;

export function createMarketModule(platform: PlatformServices): MarketModule {
  const service = new MarketService({
    feed: new ListingsMarketFeed(platform.db),
    repository: new MarketRepository(platform.db),
    clock: platform.clock,
    logger: platform.logger,
  });
  let timer: NodeJS.Timeout | null = null;
  let refreshing: Promise<unknown> = Promise.resolve();
  const unsubscribe = platform.bus.subscribe('listings.changed', () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      refreshing = service.refreshStale().catch((error: unknown) => platform.logger.warn({ err: error }, 'market: refreshing stale indices failed'));
    }, refreshDelayMs);
    timer.unref();
  });
  return {
    name: 'market',
    service,
    routes: marketRoutes(service),
    stop: async () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      await refreshing;
    },
  };
}
