import { IdempotencyKeys } from '../../platform/idempotency';
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import type { OrganizationAccess } from '../identity';
import { DealsRepository } from './deals.repository';
import { dealsRoutes } from './deals.routes';
import { DealsService, type DealListings } from './deals.service';

export type { Deal, DealEvent, Offer } from './deals.schema';
export type { DealListings } from './deals.service';
export { offerTransitions, offerStatuses, type OfferStatus } from './deals.workflow';
export { dealsErrors } from './deals.errors';
export { DealsService } from './deals.service';
export { dealEventNames, type DealEventName, type DealEventPublished } from './deals.events';

export interface DealsModule extends ModuleRegistration {
  service: DealsService;
}

export interface DealsDependencies {
  access: OrganizationAccess;
  listings: DealListings;
}

export function createDealsModule(platform: PlatformServices, deps: DealsDependencies): DealsModule {
  const service = new DealsService({
    repository: new DealsRepository(platform.db),
    access: deps.access,
    listings: deps.listings,
    idempotency: new IdempotencyKeys(platform.db, platform.clock),
    cursors: platform.cursors,
    audit: platform.audit,
    clock: platform.clock,
    logger: platform.logger,
    bus: platform.bus,
  });
  return { name: 'deals', service, routes: dealsRoutes(service) };
}
