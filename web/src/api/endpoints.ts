import { request } from './client';
import { deviceSignals, deviceSignalsHeader } from '../pages/security/deviceSignals';
import type {
  Listing,
  ListingInput,
  ListingPatch,
  ListingStatus,
  Me,
  Organization,
  Page,
  Photo,
  PriceHistoryEntry,
  Property,
  PropertyInput,
  PublicConfig,
  SavedSearch,
  SearchQuery,
  SearchResult,
  User,
} from './types';

type Signal = AbortSignal | undefined;

export const api = {
  publicConfig: (signal?: Signal) => request<PublicConfig>('GET', '/config/public', { signal }),

  me: (signal?: Signal) => request<Me>('GET', '/auth/me', { signal }),
  signup: (body: { email: string; password: string; displayName: string }) =>
    request<{ user: User }>('POST', '/auth/signup', { json: body, headers: { [deviceSignalsHeader]: deviceSignals() } }),
  login: (body: { email: string; password: string }) =>
    request<{ user: User }>('POST', '/auth/login', { json: body, headers: { [deviceSignalsHeader]: deviceSignals() } }),
  logout: () => request<void>('POST', '/auth/logout'),

  createOrganization: (body: { name: string; slug?: string }) =>
    request<Organization>('POST', '/organizations', { json: body }),

  searchListings: (params: URLSearchParams, signal?: Signal) =>
    request<SearchResult>('GET', '/listings', { query: params, signal }),
  listing: (id: string, signal?: Signal) => request<Listing>('GET', `/listings/${encodeURIComponent(id)}`, { signal }),
  priceHistory: (id: string, signal?: Signal) =>
    request<Page<PriceHistoryEntry>>('GET', `/listings/${encodeURIComponent(id)}/price-history`, { signal }),
  organizationListings: (orgId: string, query: { status?: ListingStatus | null; cursor?: string | null }, signal?: Signal) =>
    request<Page<Listing>>('GET', `/organizations/${encodeURIComponent(orgId)}/listings`, {
      query: { status: query.status ?? undefined, cursor: query.cursor ?? undefined },
      signal,
    }),

  createProperty: (body: PropertyInput) => request<Property>('POST', '/properties', { json: body }),
  updateProperty: (id: string, body: Omit<PropertyInput, 'organizationId'>) =>
    request<Property>('PATCH', `/properties/${encodeURIComponent(id)}`, { json: body }),
  createListing: (body: ListingInput) => request<Listing>('POST', '/listings', { json: body }),
  updateListing: (id: string, body: ListingPatch) =>
    request<Listing>('PATCH', `/listings/${encodeURIComponent(id)}`, { json: body }),
  changeListingStatus: (id: string, status: ListingStatus) =>
    request<Listing>('POST', `/listings/${encodeURIComponent(id)}/status`, { json: { status } }),
  uploadPhoto: (listingId: string, file: File) => {
    const formData = new FormData();
    formData.append('file', file, file.name);
    return request<Photo>('POST', `/listings/${encodeURIComponent(listingId)}/photos`, { formData });
  },
  deletePhoto: (listingId: string, photoId: string) =>
    request<void>('DELETE', `/listings/${encodeURIComponent(listingId)}/photos/${encodeURIComponent(photoId)}`),

  savedSearches: (signal?: Signal) => request<Page<SavedSearch>>('GET', '/saved-searches', { signal }),
  createSavedSearch: (body: { name: string; query: SearchQuery }) =>
    request<SavedSearch>('POST', '/saved-searches', { json: body }),
  deleteSavedSearch: (id: string) => request<void>('DELETE', `/saved-searches/${encodeURIComponent(id)}`),
};
