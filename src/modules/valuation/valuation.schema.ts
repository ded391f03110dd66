import { z } from 'zod';
import { moneySchema } from '../../platform/money';
import { energyLabels, propertyTypes } from '../listings';

/** Years after this one are refused as construction or renovation years (checked against the clock in the service). */
export const FUTURE_YEARS_ALLOWED = 5;

const positive = (what: string) => z.number().positive(`must be positive (${what})`);
const count = (max: number) => z.number().int('must be a whole number').min(0, 'must not be negative').max(max);
const year = z.number().int('must be a whole number').min(1000, 'must be a year such as 1965');

/** An ad-hoc description of a home; the columns of a CSV-trained model go in `attributes` under their CSV names. */
export const propertyDescription = z
  .object({
    latitude: z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90'),
    longitude: z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180'),
    propertyType: z.enum(propertyTypes, { error: () => `must be one of: ${propertyTypes.join(', ')}` }).optional(),
    livingAreaM2: positive('living area in m²').max(99_999, 'must be below 100,000 m²').optional(),
    plotAreaM2: positive('plot area in m²').max(9_999_999_999).optional(),
    rooms: count(500).optional(),
    bedrooms: count(200).optional(),
    bathrooms: z.number().min(0, 'must not be negative').max(50).optional(),
    yearBuilt: year.optional(),
    yearRenovated: year.optional(),
    energyLabel: z.enum(energyLabels, { error: () => `must be one of: ${energyLabels.join(', ')}` }).optional(),
    attributes: z
      .record(z.string().min(1).max(60), z.union([z.number(), z.string().max(200), z.null()]))
      .refine((value) => Object.keys(value).length <= 100, 'at most 100 attributes')
      .optional()
      .describe('Further columns by name, for models trained on a CSV (e.g. {"grade": 8, "sqft_living": 1800})'),
  })
  .strict();
export type PropertyDescription = z.infer<typeof propertyDescription>;

export const createValuationBody = z
  .object({
    propertyId: z.uuid('must be a property id (UUID)').optional(),
    property: propertyDescription.optional(),
    at: z.iso.date('must be a date such as 2026-03-01').optional().describe('The date the value is for; default today'),
    explain: z.boolean().default(true).describe('Include the per-feature explanation (TreeSHAP)'),
  })
  .strict()
  .superRefine((value, context) => {
    if ((value.propertyId === undefined) === (value.property === undefined)) {
      context.addIssue({ code: 'custom', path: [value.propertyId === undefined ? 'propertyId' : 'property'], message: 'give either propertyId (a stored property) or property (a description), not both and not neither' });
    }
  });

const contributionSchema = z.object({
  feature: z.string(),
  value: z.union([z.number(), z.string()]).nullable(),
  logContribution: z.number().describe('Contribution to the log value'),
  amount: z.number().describe('Contribution in major currency units; baseValue + Σ amount = value'),
});

export const comparableSchema = z.object({
  ref: z.string().describe('A listing id, or the line of the training CSV'),
  price: moneySchema,
  soldAt: z.string().nullable(),
  distanceKm: z.number(),
  size: z.number().nullable(),
  adjustedValue: moneySchema.describe('Its price adjusted to the subject by the model (features, place, date)'),
  weight: z.number(),
});

export const valuationSchema = z.object({
  id: z.uuid(),
  propertyId: z.uuid().nullable(),
  model: z.object({ id: z.uuid(), version: z.number().int(), synthetic: z.boolean() }),
  at: z.string().describe('The date the value is for'),
  createdAt: z.string(),
  value: moneySchema,
  range: z.object({ lower: moneySchema, upper: moneySchema, coverage: z.number().describe('Share of true prices such ranges hold (0.8)') }),
  confidence: z.object({ grade: z.enum(['A', 'B', 'C', 'D']), lowConfidence: z.boolean(), reasons: z.array(z.string()) }),
  modelValue: moneySchema,
  comparablesValue: moneySchema,
  comparablesWeight: z.number(),
  comparables: z.array(comparableSchema),
  explanation: z.object({ baseValue: z.number(), currency: z.string(), contributions: z.array(contributionSchema) }).nullable(),
});
export type ValuationView = z.infer<typeof valuationSchema>;

export const modelSchema = z.object({
  id: z.uuid(),
  version: z.number().int(),
  status: z.enum(['training', 'ready', 'failed']),
  active: z.boolean(),
  source: z.enum(['csv', 'listings']),
  sourceDetail: z.string(),
  synthetic: z.boolean(),
  currency: z.string(),
  fingerprint: z.string().nullable(),
  rows: z.number().int().nullable(),
  metrics: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  trainedAt: z.string().nullable(),
  activatedAt: z.string().nullable(),
});
export type ModelView = z.infer<typeof modelSchema>;

export const jobSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['train', 'batch']),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  progress: z.number(),
  error: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type JobView = z.infer<typeof jobSchema>;

export const trainBody = z
  .object({
    source: z.literal('listings', { error: () => 'must be "listings" (CSV training runs from the CLI: domus valuation train --csv)' }),
    activate: z.boolean().default(false).describe('Make it the active model when training succeeds'),
  })
  .strict();

export const batchBody = z
  .object({
    organizationId: z.uuid('must be an organization id (UUID)'),
    propertyIds: z.array(z.uuid('must be a property id (UUID)')).min(1, 'give at least one property').max(5000, 'at most 5,000 properties per batch'),
  })
  .strict();

export const idParams = z.object({ id: z.uuid('must be an id (UUID)') }).strict();
export const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().min(1).max(2000).optional() }).strict();
