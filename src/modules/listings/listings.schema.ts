import { z } from 'zod';
import { moneySchema } from '../../platform/money';
import type { EnergyLabel, ListingKind, ListingStatus, PropertyType } from './listings.import-types';

export const propertyTypes = ['apartment', 'house', 'townhouse', 'villa', 'land', 'commercial'] as const;
export const energyLabels = ['A+++', 'A++', 'A+', 'A', 'B', 'C', 'D', 'E', 'F', 'G'] as const;
export const listingKinds = ['sale', 'rent'] as const;
export const listingStatuses = ['draft', 'active', 'under_offer', 'sold', 'rented', 'withdrawn'] as const;
/** Statuses anyone may see; drafts and withdrawn listings are the organization's business. */
export const publicStatuses = ['active', 'under_offer', 'sold', 'rented'] as const;
export type PublicStatus = (typeof publicStatuses)[number];
export const photoSizes = ['thumb', 'large', 'original'] as const;
export type PhotoSize = (typeof photoSizes)[number];

// The enums above and the bulk-import contract must name the same values.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameValues: [
  Same<(typeof propertyTypes)[number], PropertyType>,
  Same<(typeof energyLabels)[number], EnergyLabel>,
  Same<(typeof listingKinds)[number], ListingKind>,
  Same<(typeof listingStatuses)[number], ListingStatus>,
] = [true, true, true, true];
void sameValues;

const enumMessage = (values: readonly string[]) => () => `must be one of: ${values.join(', ')}`;
export const propertyTypeSchema = z.enum(propertyTypes, { error: enumMessage(propertyTypes) });
export const energyLabelSchema = z.enum(energyLabels, { error: enumMessage(energyLabels) });
export const listingKindSchema = z.enum(listingKinds, { error: enumMessage(listingKinds) });
export const listingStatusSchema = z.enum(listingStatuses, { error: enumMessage(listingStatuses) });

const postalCodePattern = /^[A-Z0-9]([A-Z0-9 -]{0,10}[A-Z0-9])?$/;
const roundTo = (decimals: number) => (value: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Upper case with single spaces, so '1012ab ' and '1012 AB' compare as stored. */
export function normalizePostalCode(value: string): string {
  return value.trim().toUpperCase().replace(/\s+/g, ' ');
}

/**
 * One schema per property field, shared by the HTTP bodies and the bulk-import validator so that
 * both accept exactly the same values. Rounding is explicit: areas keep 2 decimals, bathrooms 1
 * (US data counts 0.25 and 0.75 baths; 1.75 is stored as 1.8).
 */
export const propertyFields = {
  address: z.string().trim().min(1, 'must not be empty').max(300),
  city: z.string().trim().min(1, 'must not be empty').max(120),
  country: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166-1 country code such as "NL"')
    .transform((value) => value.toUpperCase()),
  postalCode: z
    .string()
    .transform((value) => (value.trim() === '' ? null : normalizePostalCode(value)))
    .refine((value) => value === null || postalCodePattern.test(value), 'must be letters, digits, spaces and hyphens, at most 12 characters, e.g. "1012 AB"')
    .nullable(),
  latitude: z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90').nullable(),
  longitude: z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180').nullable(),
  propertyType: propertyTypeSchema,
  livingAreaM2: z.number().positive('must be positive').max(99_999, 'must be below 100,000 m²').transform(roundTo(2)).nullable(),
  plotAreaM2: z.number().positive('must be positive').max(9_999_999_999).transform(roundTo(2)).nullable(),
  rooms: z.number().int('must be a whole number').min(0).max(500).nullable(),
  bedrooms: z.number().int('must be a whole number').min(0).max(200).nullable(),
  bathrooms: z.number().min(0).max(50).transform(roundTo(1)).nullable(),
  yearBuilt: z.number().int('must be a whole number').min(1000).max(2100).nullable(),
  yearRenovated: z.number().int('must be a whole number').min(1000, 'must be a year; leave it out (or null) when never renovated').max(2100).nullable(),
  energyLabel: energyLabelSchema.nullable(),
  features: z
    .array(z.string().trim().min(1, 'must not be empty').max(60))
    .max(50, 'at most 50 features')
    .transform((items) => [...new Set(items)]),
  attributes: z
    .record(z.string().min(1).max(60), z.union([z.number(), z.string().max(500), z.boolean()]))
    .refine((value) => Object.keys(value).length <= 100, 'at most 100 attributes'),
};

type PropertyShape = {
  latitude?: number | null | undefined;
  longitude?: number | null | undefined;
  yearBuilt?: number | null | undefined;
  yearRenovated?: number | null | undefined;
};

/** Cross-field rules of a property, reported on the field a person would fix. */
export function propertyProblems(value: PropertyShape): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const hasLatitude = value.latitude !== null && value.latitude !== undefined;
  const hasLongitude = value.longitude !== null && value.longitude !== undefined;
  if (hasLatitude !== hasLongitude) {
    problems.push({ path: hasLatitude ? 'longitude' : 'latitude', message: 'give latitude and longitude together, or neither' });
  }
  if (value.yearBuilt != null && value.yearRenovated != null && value.yearRenovated < value.yearBuilt) {
    problems.push({ path: 'yearRenovated', message: 'must not be before yearBuilt' });
  }
  return problems;
}

const optionalFields = {
  postalCode: propertyFields.postalCode.optional(),
  latitude: propertyFields.latitude.optional(),
  longitude: propertyFields.longitude.optional(),
  livingAreaM2: propertyFields.livingAreaM2.optional(),
  plotAreaM2: propertyFields.plotAreaM2.optional(),
  rooms: propertyFields.rooms.optional(),
  bedrooms: propertyFields.bedrooms.optional(),
  bathrooms: propertyFields.bathrooms.optional(),
  yearBuilt: propertyFields.yearBuilt.optional(),
  yearRenovated: propertyFields.yearRenovated.optional(),
  energyLabel: propertyFields.energyLabel.optional(),
  features: propertyFields.features.optional(),
};

export const createPropertyBody = z
  .object({
    organizationId: z.uuid('must be an organization id (UUID)'),
    address: propertyFields.address,
    city: propertyFields.city,
    country: propertyFields.country,
    propertyType: propertyFields.propertyType,
    ...optionalFields,
  })
  .strict()
  .superRefine((value, context) => {
    for (const problem of propertyProblems(value)) context.addIssue({ code: 'custom', path: [problem.path], message: problem.message });
  });
export type CreatePropertyInput = z.infer<typeof createPropertyBody>;

/** Fields left out stay as they are; null clears an optional field. */
export const updatePropertyBody = z
  .object({
    address: propertyFields.address.optional(),
    city: propertyFields.city.optional(),
    country: propertyFields.country.optional(),
    propertyType: propertyFields.propertyType.optional(),
    ...optionalFields,
  })
  .strict();
export type UpdatePropertyInput = z.infer<typeof updatePropertyBody>;

export const propertySchema = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  address: z.string(),
  city: z.string(),
  country: z.string(),
  postalCode: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  propertyType: propertyTypeSchema,
  livingAreaM2: z.number().nullable(),
  plotAreaM2: z.number().nullable(),
  rooms: z.number().int().nullable(),
  bedrooms: z.number().int().nullable(),
  bathrooms: z.number().nullable(),
  yearBuilt: z.number().int().nullable(),
  yearRenovated: z.number().int().nullable(),
  energyLabel: energyLabelSchema.nullable(),
  features: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Property = z.infer<typeof propertySchema>;

export const photoSchema = z.object({
  id: z.uuid(),
  listingId: z.uuid(),
  position: z.number().int().describe('0-based display order'),
  width: z.number().int(),
  height: z.number().int(),
  contentType: z.string(),
  urls: z.object({ thumb: z.string(), large: z.string(), original: z.string() }),
});
export type Photo = z.infer<typeof photoSchema>;

export const listingSchema = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  propertyId: z.uuid(),
  kind: listingKindSchema,
  status: listingStatusSchema,
  title: z.string(),
  description: z.string(),
  askingPrice: moneySchema,
  publishedAt: z.string().nullable(),
  closedAt: z.string().nullable().describe('When it was sold, rented or withdrawn'),
  closingPrice: moneySchema.nullable().describe('The final price of a sold or rented listing, when known'),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int().describe('Pass back as expectedVersion to detect concurrent edits'),
  isSynthetic: z.boolean().describe('Generated demo data, not a real property'),
  property: propertySchema,
  photos: z.array(photoSchema),
});
export type Listing = z.infer<typeof listingSchema>;

const title = z.string().trim().min(1, 'must not be empty').max(200);
const description = z.string().trim().max(20_000);
const expectedVersion = z.number().int().min(1).describe('The version you last read; a stale one answers 409 VERSION_CONFLICT');

export const createListingBody = z
  .object({ propertyId: z.uuid('must be a property id (UUID)'), kind: listingKindSchema, title, description, askingPrice: moneySchema })
  .strict();
export type CreateListingInput = z.infer<typeof createListingBody>;

export const updateListingBody = z
  .object({ title: title.optional(), description: description.optional(), askingPrice: moneySchema.optional(), expectedVersion: expectedVersion.optional() })
  .strict();
export type UpdateListingInput = z.infer<typeof updateListingBody>;

export const changeStatusBody = z
  .object({
    status: listingStatusSchema,
    expectedVersion: expectedVersion.optional(),
    closingPrice: moneySchema.optional().describe('Only when moving to sold or rented'),
  })
  .strict();
export type ChangeStatusInput = z.infer<typeof changeStatusBody>;

export const priceHistoryEntrySchema = z.object({ price: moneySchema, changedAt: z.string() });

export const idParams = z.object({ id: z.uuid('must be an id (UUID)') }).strict();
export const photoParams = z.object({ id: z.uuid('must be a listing id (UUID)'), photoId: z.uuid('must be a photo id (UUID)') }).strict();
export const photoFileParams = z
  .object({ photoId: z.uuid('must be a photo id (UUID)'), size: z.enum(photoSizes, { error: enumMessage(photoSizes) }) })
  .strict();
export const organizationParams = z.object({ orgId: z.uuid('must be an organization id (UUID)') }).strict();

/** Query-string numbers arrive as text: digits only, so '1e3' or ' 7' are refused, not guessed. */
export const limitParam = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be a whole number from 1 to 100').max(100, 'must be a whole number from 1 to 100'));
export const cursorParam = z.string().min(1).max(2000);

export const workspaceQuery = z
  .object({ status: listingStatusSchema.optional(), cursor: cursorParam.optional(), limit: limitParam.default(20) })
  .strict();
export const propertiesQuery = z
  .object({ organizationId: z.uuid('must be an organization id (UUID)'), cursor: cursorParam.optional(), limit: limitParam.default(20) })
  .strict();

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters (a UUID is a good choice)')
    .optional(),
});
