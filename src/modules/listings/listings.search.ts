import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CursorCodec } from '../../platform/cursor';
import { platformErrors } from '../../platform/errors';
import { pageSchema } from '../../platform/http';
import type { EnergyLabel, ListingKind, PropertyType } from './listings.import-types';
import {
  cursorParam,
  energyLabels,
  limitParam,
  listingKinds,
  listingSchema,
  normalizePostalCode,
  propertyTypes,
  publicStatuses,
  type PublicStatus,
} from './listings.schema';

export const searchSorts = ['newest', 'price_asc', 'price_desc', 'area_desc', 'relevance', 'distance'] as const;
export type SearchSort = (typeof searchSorts)[number];
/** [minLng, minLat, maxLng, maxLat], as in GeoJSON. */
export type BoundingBox = [number, number, number, number];

export const defaultRadiusKm = 10;
export const maxRadiusKm = 1000;

// ---- parameter parsers ---------------------------------------------------------------------
// Query strings arrive as text; saved searches may also carry JSON numbers. Every parser reports
// on the parameter itself (`query.bbox`), never on a piece of it, with a message a person can act on.

const raw = () => z.union([z.string(), z.number()]).transform((value) => String(value).trim());

const integerParam = (min: number, max: number) =>
  raw().transform((value, context) => {
    const number = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      context.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return number;
  });

const decimalParam = (min: number, max: number) =>
  raw().transform((value, context) => {
    const number = /^\d{1,9}(\.\d{1,6})?$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isFinite(number) || number < min || number > max) {
      context.addIssue({ code: 'custom', message: `must be a number from ${min} to ${max}` });
      return z.NEVER;
    }
    return number;
  });

const enumParam = <T extends string>(values: readonly T[]) =>
  raw().transform((value, context) => {
    if (!(values as readonly string[]).includes(value)) {
      context.addIssue({ code: 'custom', message: `must be one of: ${values.join(', ')}` });
      return z.NEVER;
    }
    return value as T;
  });

/** A comma list of allowed values, returned de-duplicated in the canonical order. */
const listParam = <T extends string>(values: readonly T[]) =>
  raw().transform((value, context) => {
    const items = value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
    const unknown = items.filter((item) => !(values as readonly string[]).includes(item));
    if (items.length === 0 || unknown.length > 0) {
      const what = unknown.length > 0 ? `unknown ${unknown.map((item) => JSON.stringify(item)).join(', ')}; ` : '';
      context.addIssue({ code: 'custom', message: `${what}must be a comma list of: ${values.join(', ')}` });
      return z.NEVER;
    }
    return values.filter((item) => items.includes(item));
  });

const coordinateList = (count: number, format: string) =>
  raw().transform((value, context) => {
    const parts = value.split(',').map((part) => part.trim());
    const numbers = parts.map((part) => (/^-?\d{1,3}(\.\d{1,12})?$/.test(part) ? Number(part) : Number.NaN));
    if (parts.length !== count || numbers.some((number) => !Number.isFinite(number))) {
      context.addIssue({ code: 'custom', message: `must be ${count} comma-separated decimal numbers: ${format}` });
      return z.NEVER;
    }
    return numbers;
  });

const bboxParam = coordinateList(4, 'minLng,minLat,maxLng,maxLat').transform((numbers, context) => {
  const [minLng, minLat, maxLng, maxLat] = numbers as BoundingBox;
  const problem =
    [minLng, maxLng].some((lng) => lng < -180 || lng > 180)
      ? 'longitudes must be between -180 and 180'
      : [minLat, maxLat].some((lat) => lat < -90 || lat > 90)
        ? 'latitudes must be between -90 and 90'
        : minLng > maxLng
          ? 'minLng must not exceed maxLng (boxes across the antimeridian are not supported; send two searches)'
          : minLat > maxLat
            ? 'minLat must not exceed maxLat'
            : null;
  if (problem) {
    context.addIssue({ code: 'custom', message: `${problem}; the order is minLng,minLat,maxLng,maxLat` });
    return z.NEVER;
  }
  return [minLng, minLat, maxLng, maxLat] as BoundingBox;
});

const nearParam = coordinateList(2, 'lat,lng').transform((numbers, context) => {
  const [latitude, longitude] = numbers as [number, number];
  if (latitude < -90 || latitude > 90 || longitude < -180 || longitude > 180) {
    context.addIssue({ code: 'custom', message: 'must be lat,lng with lat between -90 and 90 and lng between -180 and 180' });
    return z.NEVER;
  }
  return { latitude, longitude };
});

const booleanParam = raw().transform((value, context) => {
  if (!['true', 'false', '1', '0'].includes(value)) {
    context.addIssue({ code: 'custom', message: 'must be true or false' });
    return z.NEVER;
  }
  return value === 'true' || value === '1';
});

const filterShape = {
  q: raw().pipe(z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters')).optional(),
  kind: enumParam(listingKinds).optional(),
  status: listParam(publicStatuses).optional().describe('Comma list; default active,under_offer. Drafts and withdrawn listings are never public.'),
  propertyType: listParam(propertyTypes).optional(),
  minPrice: integerParam(0, Number.MAX_SAFE_INTEGER).optional().describe('Minor units (cents), inclusive'),
  maxPrice: integerParam(0, Number.MAX_SAFE_INTEGER).optional().describe('Minor units (cents), inclusive'),
  minBedrooms: integerParam(0, 200).optional(),
  minBathrooms: decimalParam(0, 50).optional(),
  minRooms: integerParam(0, 500).optional(),
  minArea: decimalParam(0, 100_000).optional().describe('Living area in m², inclusive'),
  maxArea: decimalParam(0, 100_000).optional().describe('Living area in m², inclusive'),
  energyLabel: listParam(energyLabels).optional(),
  country: raw()
    .pipe(z.string().regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166-1 country code such as "NL"'))
    .transform((value) => value.toUpperCase())
    .optional(),
  postalCode: raw()
    .transform(normalizePostalCode)
    .pipe(z.string().regex(/^[A-Z0-9][A-Z0-9 -]{0,11}$/, 'must be the start of a postal code: letters, digits, spaces, hyphens'))
    .optional()
    .describe('Matches postal codes that start with it'),
  bbox: bboxParam.optional().describe('minLng,minLat,maxLng,maxLat'),
  near: nearParam.optional().describe('lat,lng; with radiusKm (default 10)'),
  radiusKm: decimalParam(0.001, maxRadiusKm).optional(),
  sort: enumParam(searchSorts).optional().describe('Default: relevance with q, otherwise newest'),
};

type FilterInput = z.output<z.ZodObject<typeof filterShape>>;

function crossFieldProblems(value: FilterInput, context: z.RefinementCtx): void {
  const problem = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
  if (value.minPrice !== undefined && value.maxPrice !== undefined && value.minPrice > value.maxPrice) problem('minPrice', 'must not exceed maxPrice');
  if (value.minArea !== undefined && value.maxArea !== undefined && value.minArea > value.maxArea) problem('minArea', 'must not exceed maxArea');
  if (value.radiusKm !== undefined && value.near === undefined) problem('radiusKm', 'needs near=lat,lng');
  if (value.sort === 'distance' && value.near === undefined) problem('sort', 'distance needs near=lat,lng');
  if (value.sort === 'relevance' && value.q === undefined) problem('sort', 'relevance needs a text query q');
}

/** The filters and sort of a search: what a saved search stores. */
export const searchFiltersSchema = z.object(filterShape).strict().superRefine(crossFieldProblems);

export const searchQuerySchema = z
  .object({ ...filterShape, limit: limitParam.default(20), cursor: cursorParam.optional(), facets: booleanParam.optional() })
  .strict()
  .superRefine(crossFieldProblems);
export type SearchQueryInput = z.output<typeof searchQuerySchema>;

// ---- the normalised search -----------------------------------------------------------------

export interface SearchFilters {
  statuses: PublicStatus[];
  q?: string;
  kind?: ListingKind;
  propertyTypes?: PropertyType[];
  minPrice?: number;
  maxPrice?: number;
  minBedrooms?: number;
  minBathrooms?: number;
  minRooms?: number;
  minArea?: number;
  maxArea?: number;
  energyLabels?: EnergyLabel[];
  country?: string;
  postalCode?: string;
  bbox?: BoundingBox;
  near?: { latitude: number; longitude: number; radiusKm: number };
}

export interface SearchRequest {
  filters: SearchFilters;
  sort: SearchSort;
  limit: number;
  cursor?: string;
  facets: boolean;
}

export function toSearchRequest(input: SearchQueryInput): SearchRequest {
  const filters: SearchFilters = {
    statuses: input.status ?? ['active', 'under_offer'],
    q: input.q,
    kind: input.kind,
    propertyTypes: input.propertyType,
    minPrice: input.minPrice,
    maxPrice: input.maxPrice,
    minBedrooms: input.minBedrooms,
    minBathrooms: input.minBathrooms,
    minRooms: input.minRooms,
    minArea: input.minArea,
    maxArea: input.maxArea,
    energyLabels: input.energyLabel,
    country: input.country,
    postalCode: input.postalCode,
    bbox: input.bbox,
    near: input.near ? { ...input.near, radiusKm: input.radiusKm ?? defaultRadiusKm } : undefined,
  };
  for (const key of Object.keys(filters) as (keyof SearchFilters)[]) if (filters[key] === undefined) delete filters[key];
  return {
    filters,
    sort: input.sort ?? (input.q ? 'relevance' : 'newest'),
    limit: input.limit,
    cursor: input.cursor,
    facets: input.facets ?? false,
  };
}

// ---- cursors -------------------------------------------------------------------------------

const cursorScope = 'listings.search';
const cursorPosition = z.object({ h: z.string(), k: z.union([z.string(), z.number()]), i: z.uuid() }).strict();
export interface SearchPosition {
  key: string | number;
  id: string;
}

/** Ties a cursor to the filters and sort that produced it, so it cannot continue another search. */
function searchFingerprint(filters: SearchFilters, sort: SearchSort): string {
  return createHash('sha256').update(JSON.stringify({ filters, sort })).digest('base64url').slice(0, 16);
}

export function encodeSearchCursor(codec: CursorCodec, request: SearchRequest, position: SearchPosition): string {
  return codec.encode(cursorScope, { h: searchFingerprint(request.filters, request.sort), k: position.key, i: position.id });
}

export function decodeSearchCursor(codec: CursorCodec, request: SearchRequest): SearchPosition | undefined {
  if (request.cursor === undefined) return undefined;
  const position = codec.decode(cursorScope, request.cursor, cursorPosition);
  const keyIsDate = typeof position.k === 'string' && !Number.isNaN(Date.parse(position.k));
  const keyFits = request.sort === 'newest' ? keyIsDate : typeof position.k === 'number' && Number.isFinite(position.k);
  if (position.h !== searchFingerprint(request.filters, request.sort) || !keyFits) {
    throw platformErrors.INVALID_CURSOR('This cursor belongs to a search with other filters or another sort; start again without a cursor.', [
      { path: 'query.cursor', message: 'cursor does not match the filters and sort' },
    ]);
  }
  return { key: position.k, id: position.i };
}

// ---- facets and the answer -----------------------------------------------------------------

/**
 * Price bands in minor units, lower bound inclusive, upper exclusive; one ladder for rents
 * (monthly) and sales. Keys read "lower-upper" (the last "lower+"), so a client can turn a band
 * straight into minPrice/maxPrice.
 */
export const priceBandBounds = [0, 100_000, 200_000, 300_000, 500_000, 10_000_000, 20_000_000, 30_000_000, 50_000_000, 75_000_000, 100_000_000, 200_000_000] as const;
export const bedroomBuckets = 5;

const counts = z.record(z.string(), z.number().int());
export const facetsSchema = z.object({
  propertyType: counts,
  kind: counts,
  bedrooms: counts.describe(`Per bedroom count; "${bedroomBuckets}+" holds ${bedroomBuckets} and more`),
  energyLabel: counts,
  priceBands: counts.describe('Per price band in minor units: "lower-upper" (upper exclusive), the last "lower+"'),
});
export type SearchFacets = z.infer<typeof facetsSchema>;

export const searchResultSchema = pageSchema(listingSchema).extend({ facets: facetsSchema.optional() });
