import { z } from 'zod';

export const orgParams = z.object({ orgId: z.uuid('must be an organization id (UUID)') }).strict();
export const orgUserParams = orgParams.extend({ userId: z.uuid('must be a user id (UUID)') }).strict();
export const deviceParams = z.object({ deviceId: z.uuid('must be a device id (UUID)') }).strict();
export const sessionParams = z.object({ sessionId: z.string().regex(/^[0-9a-f]{64}$/, 'must be a session id as listed under /me/devices') }).strict();

const placeSchema = z.object({ ip: z.string().nullable(), country: z.string().nullable(), city: z.string().nullable() });

export const deviceSchema = z.object({
  id: z.uuid(),
  label: z.string(),
  userAgent: z.string().nullable(),
  platform: z.string().nullable(),
  screen: z.string().nullable(),
  timezone: z.string().nullable(),
  language: z.string().nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  lastPlace: placeSchema,
  current: z.boolean(),
  sessions: z.array(z.object({ id: z.string(), createdAt: z.string(), lastSeenAt: z.string(), ip: z.string().nullable(), current: z.boolean() })),
});

export const policySchema = z.object({
  organizationId: z.uuid(),
  stepUpAt: z.number().int(),
  denyAt: z.number().int(),
  plan: z.enum(['basic', 'pro', 'enterprise']),
  apiKeyRequestsPerMinute: z.number().int(),
  planDefault: z.boolean(),
  updatedAt: z.string().nullable(),
});

export const updatePolicyBody = z
  .object({
    stepUpAt: z.number().int().min(1).max(100).optional(),
    denyAt: z.number().int().min(1).max(101, 'must be at most 101 (101 = never deny)').optional(),
    plan: z.enum(['basic', 'pro', 'enterprise']).optional(),
    apiKeyRequestsPerMinute: z.number().int().min(1).max(1_000_000).nullable().optional(),
  })
  .strict();

export const riskyLogInSchema = z.object({
  id: z.uuid(),
  userId: z.uuid().nullable(),
  email: z.string().nullable(),
  occurredAt: z.string(),
  outcome: z.enum(['success', 'step_up', 'denied', 'failed', 'locked']),
  score: z.number().int(),
  reasons: z.array(z.string()),
  place: placeSchema,
  deviceId: z.uuid().nullable(),
});

export const riskyLogInsQuery = z
  .object({
    minScore: z.coerce.number().int().min(0).max(100).default(30),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export const lockoutSchema = z.object({
  kind: z.enum(['account', 'ip']),
  userId: z.uuid().nullable(),
  email: z.string().nullable(),
  subject: z.string(),
  reason: z.string(),
  failures: z.number().int(),
  lockedAt: z.string(),
  lockedUntil: z.string(),
});
