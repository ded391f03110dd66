import type { AuthContext } from '../../platform/http';
import type { OrganizationAccess } from '../identity';
import { listingsErrors } from './listings.errors';
import type { ListingStatus } from './listings.import-types';
import type { ListingsRepository } from './listings.repository';
import type { ListingRow } from './listings.tables';

/**
 * Who may see and change a listing. Everything the caller may not see answers LISTING_NOT_FOUND
 * (404), exactly like a listing that does not exist: another organization's drafts, photos and
 * price history are never confirmed to exist.
 */
export const listingNotFound = (id: string) => () => listingsErrors.LISTING_NOT_FOUND(`No listing ${id} that you can see.`);

export function isPublicStatus(status: ListingStatus): boolean {
  return status !== 'draft' && status !== 'withdrawn';
}

/** Anyone sees public statuses; drafts and withdrawn listings only members and read-scoped keys. */
export async function assertListingVisible(
  access: OrganizationAccess,
  auth: AuthContext | null,
  listing: { id: string; organization_id: string; status: ListingStatus },
  notFound: () => Error = listingNotFound(listing.id),
): Promise<void> {
  if (isPublicStatus(listing.status)) return;
  const standing = await access.standing(auth, listing.organization_id);
  if (!standing || (standing.scopes !== 'all' && !standing.scopes.includes('listings:read'))) throw notFound();
}

/** Agents and above of the listing's organization, or its API keys with listings:write. */
export async function requireListingWriter(
  access: OrganizationAccess,
  repository: ListingsRepository,
  auth: AuthContext | null,
  id: string,
): Promise<ListingRow> {
  const listing = await repository.findListing(id);
  if (!listing) throw listingNotFound(id)();
  await access.require(auth, listing.organization_id, 'agent', 'listings:write', listingNotFound(id));
  return listing;
}
