// Placeholder while the listings module is being written (replaced in the same work session).
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import type { OrganizationAccess } from '../identity';
export type ListingsModule = ModuleRegistration;
export function createListingsModule(_platform: PlatformServices, _deps: { access: OrganizationAccess }): ListingsModule {
  return { name: 'listings' };
}
