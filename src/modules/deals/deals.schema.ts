import { z } from 'zod';
import { moneySchema } from '../../platform/money';
import { offerStatuses } from './deals.workflow';

const enumMessage = (values: readonly string[]) => () => `must be one of: ${values.join(', ')}`;

export const idParams = z.object({ id: z.uuid('must be a deal id (UUID)') }).strict();
export const offerParams = z.object({ id: z.uuid('must be a deal id (UUID)'), offerId: z.uuid('must be an offer id (UUID)') }).strict();

const expectedVersion = z.number().int('must be a whole number').min(1).describe("The deal's version you last read; a stale one answers 409 VERSION_CONFLICT");

export const conditionsSchema = z
  .object({
    financing: z.boolean().describe('Subject to financing'),
    inspection: z.boolean().describe('Subject to an inspection'),
    closingDate: z.iso.date('must be an ISO date such as "2026-06-30"'),
    notes: z.string().trim().max(2000, 'must be at most 2000 characters').default(''),
  })
  .strict();

export const createDealBody = z
  .object({
    listingId: z.uuid('must be a listing id (UUID)'),
    buyerAgentUserId: z.uuid('must be a user id (UUID)').nullable().optional().describe("The buyer's agent, a Domus user"),
  })
  .strict();
export type CreateDealInput = z.infer<typeof createDealBody>;

export const createOfferBody = z
  .object({
    expectedVersion,
    amount: moneySchema.refine((value) => value.amountMinor > 0, { message: 'must be more than zero', path: ['amountMinor'] }),
    conditions: conditionsSchema,
    expiresAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time such as "2026-03-08T17:00:00Z"' }),
  })
  .strict();
export type CreateOfferInput = z.infer<typeof createOfferBody>;

export const offerActionBody = z
  .object({ expectedVersion, reason: z.string().trim().max(500, 'must be at most 500 characters').optional() })
  .strict();
export type OfferActionInput = z.infer<typeof offerActionBody>;

export const listQuery = z
  .object({
    cursor: z.string().min(1).max(2000).optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be a whole number from 1 to 100').max(100, 'must be a whole number from 1 to 100'))
      .default(20),
  })
  .strict();

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters (a UUID is a good choice)')
    .optional(),
});

export const offerSchema = z.object({
  id: z.uuid(),
  number: z.number().int().describe('1, 2, 3...: a counter is the next number'),
  side: z.enum(['buyer', 'seller']),
  createdBy: z.uuid(),
  respondsTo: z.uuid().nullable().describe('The offer this one counters'),
  amount: moneySchema,
  conditions: z.object({ financing: z.boolean(), inspection: z.boolean(), closingDate: z.string(), notes: z.string() }),
  expiresAt: z.string(),
  status: z.enum(offerStatuses, { error: enumMessage(offerStatuses) }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Offer = z.infer<typeof offerSchema>;

export const dealSchema = z.object({
  id: z.uuid(),
  listingId: z.uuid(),
  organizationId: z.uuid().describe('The seller side: the listing organization'),
  buyerUserId: z.uuid(),
  buyerAgentUserId: z.uuid().nullable(),
  currency: z.string(),
  status: z.enum(['open', 'accepted']).describe('accepted: one offer was accepted and the deal takes no more offers'),
  acceptedOfferId: z.uuid().nullable(),
  version: z.number().int().describe('Send back as expectedVersion with every offer change'),
  yourSide: z.enum(['buyer', 'seller']),
  offers: z.array(offerSchema).describe('Oldest first'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Deal = z.infer<typeof dealSchema>;

export const dealEventSchema = z.object({
  sequence: z.number().int(),
  type: z.string().describe('deal.opened, offer.submitted, offer.countered, offer.accepted, offer.rejected, offer.withdrawn, offer.expired'),
  actorUserId: z.uuid().nullable().describe('Null when the clock made the change (expiry)'),
  offerId: z.uuid().nullable(),
  amount: moneySchema.nullable(),
  occurredAt: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type DealEvent = z.infer<typeof dealEventSchema>;
